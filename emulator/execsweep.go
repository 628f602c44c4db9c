package emulator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

const (
	// sweepTimeout bounds the whole sweep of exec'd commands at start.
	sweepTimeout = 30 * time.Second
	// sweepContainerTimeout bounds the sweep of one container (a paused or overloaded
	// one must not hold up the rest).
	sweepContainerTimeout = 10 * time.Second
)

// staleExecScript kills every process but the container's first and the script's own
// whose environment holds $1 (the marker variable) but not $2 (this run's tag), and prints
// how many it killed. The script runs with this run's tag, so its own greps are spared.
const staleExecScript = `n=0
for f in /proc/[0-9]*/environ; do
  p=${f%/environ}; p=${p#/proc/}
  [ "$p" = 1 ] || [ "$p" = $$ ] && continue
  if grep -q "$1" "$f" 2>/dev/null && ! grep -q "$2" "$f" 2>/dev/null; then
    kill -9 "$p" 2>/dev/null && n=$((n+1))
  fi
done; echo "$n"`

// endStaleExecs kills, in the daemon's running containers, the commands exec'd by an
// earlier run of the daemon: a daemon that was killed could not end them when their
// clients went away, and nothing else ever would. Commands of this run carry its tag and
// are left alone, so the sweep may run while the API already serves.
func (e *Emulator) endStaleExecs(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	list, err := e.eng.List(ctx, e.ownLabels())
	if err != nil {
		e.log.Warn("cannot look for commands an earlier run exec'd", "err", err)
		return
	}
	sem := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	for _, st := range list {
		if !st.Running {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			e.endStaleExecsIn(ctx, st)
		}()
	}
	wg.Wait()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e.log.Warn("gave up ending the commands an earlier run exec'd",
			"after", sweepTimeout)
	}
}

// endStaleExecsIn sweeps one container. A container without sh or grep, or that stopped
// meanwhile, cannot be swept, which only the debug log says.
func (e *Emulator) endStaleExecsIn(ctx context.Context, st engine.Status) {
	ctx, cancel := context.WithTimeout(ctx, sweepContainerTimeout)
	defer cancel()
	name := strings.TrimPrefix(st.Name, "/")
	out, err := e.runScript(ctx, st.ID, staleExecScript, ExecMarkerVar+"=", e.execRunEnv())
	if err != nil {
		e.log.Debug("cannot look for commands an earlier run exec'd", "container", name,
			"err", err)
		return
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(out)); n > 0 {
		e.log.Info("ended commands an earlier run of the daemon exec'd", "container", name,
			"processes", n)
	}
}

// runScript runs a shell script with args in the running container dockerID, tagged as
// an exec of this run, and returns its output once it has ended with status 0.
func (e *Emulator) runScript(ctx context.Context, dockerID, script string,
	args ...string) (string, error) {
	cmd := append([]string{"sh", "-c", script, "sh"}, args...)
	sess, err := e.eng.Exec(ctx, dockerID, engine.ExecOptions{Cmd: cmd,
		Env: []string{e.execRunEnv()}})
	if err != nil {
		return "", err
	}
	defer sess.Close()
	stop := context.AfterFunc(ctx, func() { _ = sess.Close() })
	defer stop()
	out := &capped{limit: 4 << 10}
	outErr := sess.Output(out, out)
	code, err := sess.ExitCode(ctx)
	if err != nil {
		if outErr != nil && ctx.Err() == nil {
			err = outErr
		}
		return "", fmt.Errorf("run a script in container %s: %w", shortID(dockerID), err)
	}
	if code != 0 {
		return "", fmt.Errorf("script in container %s exited %d: %s", shortID(dockerID),
			code, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// capped keeps the first limit bytes written to it.
type capped struct {
	strings.Builder
	limit int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.Len(); room > 0 {
		c.Builder.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func shortID(id string) string { return id[:min(len(id), 12)] }
