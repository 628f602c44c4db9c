package spintest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi"
)

// sweepTimeout bounds the Docker clean-up after a test.
const sweepTimeout = time.Minute

// daemon is one spinlocal daemon running inside the test binary.
type daemon struct {
	eng    *engine.Docker
	emu    *emulator.Emulator
	srv    *http.Server
	url    string
	cancel context.CancelFunc
	done   chan struct{}
}

// connectDocker returns the Docker engine, or skips tb when there is none (fails it when
// SPINLOCAL_REQUIRE_DOCKER=1).
func connectDocker(tb testing.TB) *engine.Docker {
	tb.Helper()
	required := os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1"
	if testing.Short() && !required {
		tb.Skip("spintest deploys on Docker: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eng, err := engine.NewDocker(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		if required {
			tb.Fatalf("spintest: SPINLOCAL_REQUIRE_DOCKER=1 but %v", err)
		}
		tb.Skipf("spintest: no Docker engine: %v", err)
	}
	return eng
}

// startDaemon runs a daemon under policy with a fresh state dir, a free loopback port and
// a network prefix of its own. tb's cleanup stops it and removes from Docker whatever it
// still has there.
func startDaemon(tb testing.TB, policy emulator.Policy) *daemon {
	tb.Helper()
	eng := connectDocker(tb)
	log := slog.New(slog.NewTextHandler(&tbWriter{tb: tb},
		&slog.HandlerOptions{Level: slog.LevelWarn}))
	emu, err := emulator.Open(emulator.Config{StateDir: tb.TempDir(), Engine: eng,
		Logger: log, NetworkPrefix: "spintest-" + randomHex(5), Policy: policy})
	if err != nil {
		eng.Close()
		tb.Fatalf("spintest: open the daemon state: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		emu.Close()
		eng.Close()
		tb.Fatalf("spintest: listen on loopback: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{eng: eng, emu: emu, url: "http://" + ln.Addr().String(), cancel: cancel,
		done: make(chan struct{}),
		srv:  &http.Server{Handler: fakeapi.New(emu, log), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(d.done)
		emu.Run(ctx)
	}()
	go func() { _ = d.srv.Serve(ln) }()
	tb.Cleanup(func() { d.stop(tb) })
	return d
}

// stop ends the daemon, then removes its containers, networks, volumes and secret files.
func (d *daemon) stop(tb testing.TB) {
	_ = d.srv.Close()
	d.cancel()
	<-d.done
	id := d.emu.DaemonID()
	if err := d.emu.Close(); err != nil {
		tb.Logf("spintest: close the daemon state: %v", err)
	}
	if err := sweep(d.eng, id); err != nil {
		tb.Errorf("spintest: clean up Docker: %v", err)
	}
	if dir, err := emulator.SecretFilesDir(id); err == nil {
		_ = os.RemoveAll(filepath.Dir(dir))
	}
	_ = d.eng.Close()
}

// sweep removes every container, network and volume that carries the daemon's label.
func sweep(eng *engine.Docker, daemonID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout)
	defer cancel()
	match := map[string]string{engine.LabelDaemon: daemonID}
	var errs []error
	containers, err := eng.List(ctx, match)
	errs = append(errs, err)
	for _, c := range containers {
		errs = append(errs, eng.Remove(ctx, c.ID))
	}
	errs = append(errs, eng.RemoveNetworks(ctx, match))
	vols, err := eng.ListVolumes(ctx, match)
	errs = append(errs, err)
	for _, v := range vols {
		errs = append(errs, eng.RemoveVolume(ctx, v.Name))
	}
	return errors.Join(errs...)
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tbWriter sends daemon log lines to the test log. A line that comes after the test has
// finished (a handler still closing) goes to stderr instead of panicking.
type tbWriter struct{ tb testing.TB }

func (w *tbWriter) Write(p []byte) (n int, err error) {
	defer func() {
		if recover() != nil {
			n, err = fmt.Fprint(os.Stderr, string(p))
		}
	}()
	w.tb.Log("spinlocal: " + strings.TrimSpace(string(p)))
	return len(p), nil
}
