package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
)

// signalRelay catches SIGINT and SIGTERM for run. Before the command starts a signal
// cancels the deployment; while it runs, SIGTERM is passed on to it, and SIGINT too
// unless stdin is a terminal, whose Ctrl-C already reached the command.
type signalRelay struct {
	sigs       chan os.Signal
	done       chan struct{}
	forwardInt bool

	mu     sync.Mutex
	cancel context.CancelFunc
	proc   *os.Process
	got    os.Signal
}

func newSignalRelay(forwardInt bool) *signalRelay {
	r := &signalRelay{sigs: make(chan os.Signal, 4), done: make(chan struct{}),
		forwardInt: forwardInt}
	signal.Notify(r.sigs, os.Interrupt, syscall.SIGTERM)
	go r.loop()
	return r
}

func (r *signalRelay) loop() {
	for {
		select {
		case <-r.done:
			return
		case s := <-r.sigs:
			r.mu.Lock()
			if r.got == nil {
				r.got = s
			}
			switch {
			case r.proc != nil && (s != os.Interrupt || r.forwardInt):
				_ = r.proc.Signal(s)
			case r.proc == nil && r.cancel != nil:
				r.cancel()
			}
			r.mu.Unlock()
		}
	}
}

// onSignal makes a signal that arrives before the command starts call cancel.
func (r *signalRelay) onSignal(cancel context.CancelFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancel = cancel
}

// caught returns the first signal received, or nil.
func (r *signalRelay) caught() os.Signal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got
}

// run starts cmd, relays signals to it, and returns its exit status; a command killed by
// a signal gets 128 plus the signal's number, as in a shell.
func (r *signalRelay) run(cmd *exec.Cmd) (int, error) {
	r.mu.Lock()
	if r.got != nil {
		r.mu.Unlock()
		return exitInterrupted, fmt.Errorf("stopped by %s before %s started",
			signalName(r.got), cmd.Path)
	}
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		code := exitCannotRun
		if errors.Is(err, fs.ErrNotExist) {
			code = exitNotFound
		}
		return code, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	r.proc = cmd.Process
	r.mu.Unlock()
	err := cmd.Wait()
	r.mu.Lock()
	r.proc = nil
	r.cancel = nil
	r.mu.Unlock()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	return 1, fmt.Errorf("run %s: %w", cmd.Path, err)
}

// stop ends the relay; signals get their default effect again.
func (r *signalRelay) stop() {
	signal.Stop(r.sigs)
	close(r.done)
}

// signalName is the short name of a signal the relay catches, e.g. SIGINT.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
