package emulator

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// execEngine records the commands exec'd and answers each with output and status 0.
type execEngine struct {
	*fakeEngine
	xmu    sync.Mutex
	execs  map[string]engine.ExecOptions // by container id
	output string
}

func (f *execEngine) Exec(_ context.Context, id string, opts engine.ExecOptions) (
	engine.ExecSession, error) {
	f.xmu.Lock()
	defer f.xmu.Unlock()
	if id == "noshell" {
		return nil, errors.New("exec: sh: not found")
	}
	f.execs[id] = opts
	return doneSession{f.output}, nil
}

// doneSession is a command that wrote out and ended with status 0.
type doneSession struct{ out string }

func (s doneSession) Write(p []byte) (int, error) { return len(p), nil }
func (s doneSession) CloseWrite() error           { return nil }
func (s doneSession) Output(stdout, _ io.Writer) error {
	_, err := io.WriteString(stdout, s.out)
	return err
}
func (s doneSession) Resize(context.Context, uint, uint) error { return nil }
func (s doneSession) Running(context.Context) (bool, error)    { return false, nil }
func (s doneSession) ExitCode(context.Context) (int, error)    { return 0, nil }
func (s doneSession) Kill(context.Context) error               { return nil }
func (s doneSession) Close() error                             { return nil }

// The sweep at start runs in every running container of the daemon, and only there, with
// the tag of this run both in its own environment and as the tag to spare; the commands
// this run execs carry the same tag.
func TestStaleExecSweepSparesThisRun(t *testing.T) {
	fake := newFakeEngine()
	eng := &execEngine{fakeEngine: fake, execs: map[string]engine.ExecOptions{},
		output: "2\n"}
	e := openEmu(t, t.TempDir(), eng)
	mine := map[string]string{engine.LabelDaemon: e.DaemonID()}
	other := map[string]string{engine.LabelDaemon: "someone-else"}
	for _, c := range []engine.Status{
		{ID: "run1", Name: "/a-web-1", Labels: mine, Running: true},
		{ID: "run2", Name: "/a-db-1", Labels: mine, Running: true},
		{ID: "noshell", Name: "/a-distroless-1", Labels: mine, Running: true},
		{ID: "stopped", Name: "/a-job-1", Labels: mine},
		{ID: "theirs", Name: "/b-web-1", Labels: other, Running: true},
	} {
		fake.containers[c.ID] = &fakeContainer{status: c}
	}

	e.endStaleExecs(t.Context())

	run := e.execRunEnv()
	if got := slices.Sorted(maps.Keys(eng.execs)); !slices.Equal(got,
		[]string{"run1", "run2"}) {
		t.Fatalf("swept %v, want run1 and run2", got)
	}
	for id, opts := range eng.execs {
		want := []string{"sh", "-c", staleExecScript, "sh", ExecMarkerVar + "=", run}
		if !slices.Equal(opts.Cmd, want) || !slices.Equal(opts.Env, []string{run}) ||
			opts.Stdin || opts.Tty {
			t.Fatalf("sweep of %s: %+v", id, opts)
		}
	}

	// The commands of this run carry its tag.
	if tag := e.ExecTag(); len(tag) != 2 || tag[1] != run ||
		len(tag[0]) != len(ExecMarkerVar)+1+24 || tag[0] == e.ExecTag()[0] {
		t.Fatalf("ExecTag: %q (run %q)", tag, run)
	}
	other2 := openEmu(t, t.TempDir(), eng)
	if other2.execRunEnv() == run {
		t.Fatal("two runs share a tag")
	}
}
