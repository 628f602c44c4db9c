package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/mounts"
)

// Image is the small image tests run; SPINLOCAL_TEST_IMAGE overrides it.
func Image() string {
	if v := os.Getenv("SPINLOCAL_TEST_IMAGE"); v != "" {
		return v
	}
	return "spinlocal/busybox:latest"
}

// Daemon is one running test daemon.
type Daemon struct {
	t        testing.TB
	StateDir string
	Emu      *emulator.Emulator
	Engine   *engine.Docker
	Server   *httptest.Server
	Client   *client.Client // keyed, in dev-cattle
	Prefix   string
	logs     *Buffer
	cancel   context.CancelFunc
	done     chan struct{}
}

// Docker connects to the engine, or skips the test when there is none, unless
// SPINLOCAL_REQUIRE_DOCKER=1 (as in CI), where a missing engine fails it.
func Docker(t testing.TB) *engine.Docker {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs Docker (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eng, err := engine.NewDocker(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		if os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1" {
			t.Fatalf("Docker is required: %v", err)
		}
		t.Skipf("no Docker engine: %v", err)
	}
	return eng
}

// AuditOff is a policy with every audit rule off, for tests about other things.
func AuditOff() emulator.Policy {
	levels := audit.Levels{}
	for _, r := range audit.Rules() {
		levels[r.ID] = audit.Off
	}
	return emulator.Policy{Levels: levels}
}

// Start runs a daemon on stateDir (a new temporary one when empty) with the audit off.
func Start(t testing.TB, stateDir string) *Daemon {
	t.Helper()
	return StartPolicy(t, stateDir, AuditOff())
}

// StartPolicy runs a daemon on stateDir under policy.
func StartPolicy(t testing.TB, stateDir string, policy emulator.Policy) *Daemon {
	t.Helper()
	eng := Docker(t)
	if stateDir == "" {
		stateDir = t.TempDir()
	}
	sum := sha256.Sum256([]byte(t.Name() + stateDir))
	prefix := "sltest-" + hex.EncodeToString(sum[:5])
	logs := &Buffer{}
	log := slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}),
		slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	emu, err := emulator.Open(emulator.Config{StateDir: stateDir, Engine: eng, Logger: log,
		NetworkPrefix: prefix, ResyncInterval: 2 * time.Second, Policy: policy})
	if err != nil {
		t.Fatalf("open emulator: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Daemon{t: t, StateDir: stateDir, Emu: emu, Engine: eng, Prefix: prefix,
		logs: logs, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(d.done); emu.Run(ctx) }()
	d.Server = httptest.NewServer(fakeapi.New(emu, log))
	access, secret, err := emu.CreateKey("elvis")
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	d.Client = client.New(d.Server.URL, access, secret)
	d.Client.Project = emulator.DefaultProjectID
	return d
}

// Stop ends the daemon without touching Docker, as a killed daemon would.
func (d *Daemon) Stop() {
	d.Server.Close()
	d.cancel()
	<-d.done
	d.Emu.Close()
}

// Cleanup removes every container and network of the daemon from Docker. Tests register
// it with t.Cleanup once per state dir.
func Cleanup(t testing.TB, eng *engine.Docker, daemonID, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	match := map[string]string{engine.LabelDaemon: daemonID}
	// Twice: a create the stopped daemon sent just before it stopped may land in Docker
	// after the first listing.
	for round := 0; round < 2; round++ {
		list, err := eng.List(ctx, match)
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		for _, c := range list {
			if err := eng.Remove(ctx, c.ID); err != nil {
				t.Logf("cleanup: %v", err)
			}
		}
		if round == 0 {
			time.Sleep(300 * time.Millisecond)
		}
	}
	if vols, err := eng.ListVolumes(ctx, match); err == nil {
		for _, v := range vols {
			if err := eng.RemoveVolume(ctx, v.Name); err != nil {
				t.Logf("cleanup volume %s: %v", v.Name, err)
			}
		}
	}
	if err := eng.RemoveNetworks(ctx, match); err != nil {
		t.Logf("cleanup networks: %v", err)
	}
}

// StartClean starts a daemon with the audit off and registers the Docker cleanup of
// everything it makes.
func StartClean(t testing.TB) *Daemon {
	return StartCleanPolicy(t, AuditOff())
}

// StartCleanPolicy is StartClean under a given policy.
func StartCleanPolicy(t testing.TB, policy emulator.Policy) *Daemon {
	d := StartPolicy(t, "", policy)
	id, prefix, eng := d.Emu.DaemonID(), d.Prefix, d.Engine
	t.Cleanup(func() {
		d.Stop()
		Cleanup(t, eng, id, prefix)
		if dir, err := emulator.SecretFilesDir(id); err == nil {
			_ = os.RemoveAll(filepath.Dir(dir))
		}
	})
	return d
}

// Log returns everything the daemon has logged so far, at every level.
func (d *Daemon) Log() string { return d.logs.String() }

// GlobalRoot is the local tree the daemon maps /global to.
func (d *Daemon) GlobalRoot() string { return mounts.DefaultRoot(d.StateDir) }

// Buffer collects output written from many goroutines (daemon logs, a log follower, a
// watcher) for a test to read.
type Buffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Eventually polls cond until it returns "" or the timeout passes, then fails with the
// last reason.
func Eventually(t testing.TB, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var why string
	for time.Now().Before(deadline) {
		if why = cond(); why == "" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("condition not met within %s: %s", timeout, why)
}

// testWriter sends daemon logs to the test log while the test runs, and to stderr after
// (a websocket handler may still log while the test server shuts down).
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (n int, err error) {
	defer func() {
		if recover() != nil {
			n, err = os.Stderr.Write(p)
		}
	}()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Errf formats a reason for Eventually.
func Errf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
