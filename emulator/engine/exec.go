package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/pkg/stdcopy"
)

// ExecOptions describes a command to run in a running container.
type ExecOptions struct {
	// Cmd is the command and its arguments; empty runs "sh", as Cattle's exec did for an
	// empty command.
	Cmd []string
	// Tty runs the command on a terminal: its output is raw, stdout and stderr merged.
	Tty bool
	// Stdin attaches the command's standard input.
	Stdin bool
	// Env adds KEY=value pairs to the command's environment.
	Env []string
	// Height and Width size the terminal at start; zero keeps Docker's default.
	Height, Width uint
}

// ExecSession is a command running in a container with its standard streams attached.
// Write and CloseWrite may run concurrently with Output; Close ends both.
type ExecSession interface {
	// Write feeds the command's standard input.
	io.Writer
	// CloseWrite ends the standard input, which the command then reads as EOF. On a
	// terminal Docker also stops relaying output, so terminal sessions send EOT instead.
	CloseWrite() error
	// Output copies the command's output until the stream ends: stdout and stderr apart,
	// or the raw terminal into stdout for a Tty session.
	Output(stdout, stderr io.Writer) error
	// Resize sets the terminal size of a Tty session.
	Resize(ctx context.Context, height, width uint) error
	// Running reports whether the command has not ended yet.
	Running(ctx context.Context) (bool, error)
	// ExitCode waits for the command to end and returns its exit status.
	ExitCode(ctx context.Context) (int, error)
	// Kill ends the command and every process it started.
	Kill(ctx context.Context) error
	// Close releases the attached streams; it does not stop the command.
	Close() error
}

// markerVar is set in the environment of every exec so that Kill can find the command's
// processes: Docker has no API to signal an exec, and its host pid is useless when the
// engine runs in a VM.
const markerVar = "SPINLOCAL_EXEC"

// killScript kills every process whose environment carries the marker given as $1. It
// needs sh and grep in the image, which the default command (sh) needs anyway.
const killScript = `for f in /proc/[0-9]*/environ; do
  if grep -q "$1" "$f" 2>/dev/null; then p=${f%/environ}; kill -9 "${p#/proc/}"; fi
done 2>/dev/null; exit 0`

// Exec starts a command in the running container id and attaches to its streams.
func (d *Docker) Exec(ctx context.Context, id string, opts ExecOptions) (ExecSession, error) {
	cmd := opts.Cmd
	if len(cmd) == 0 {
		cmd = []string{"sh"}
	}
	raw := make([]byte, 12)
	_, _ = rand.Read(raw)
	marker := markerVar + "=" + hex.EncodeToString(raw)
	cfg := container.ExecOptions{Cmd: cmd, Tty: opts.Tty, AttachStdin: opts.Stdin,
		AttachStdout: true, AttachStderr: true, Env: append(slices.Clone(opts.Env), marker)}
	var size *[2]uint
	if opts.Tty && opts.Height > 0 && opts.Width > 0 {
		size = &[2]uint{opts.Height, opts.Width}
		cfg.ConsoleSize = size
	}
	created, err := d.cli.ContainerExecCreate(ctx, id, cfg)
	if err != nil {
		return nil, fmt.Errorf("create exec in container %s: %w", short(id), err)
	}
	hj, err := d.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{
		Tty: opts.Tty, ConsoleSize: size})
	if err != nil {
		return nil, fmt.Errorf("start exec %q in container %s: %w", cmd[0], short(id), err)
	}
	s := &execSession{d: d, id: created.ID, container: id, tty: opts.Tty, marker: marker,
		hj: hj}
	if size != nil {
		s.initialSize(ctx, opts.Height, opts.Width)
	}
	return s, nil
}

// initialSize sizes the terminal on engines older than API 1.42, which ignore
// ConsoleSize. The exec may not be running yet when the attach returns, and a resize
// fails until it is, so it is retried briefly; a command that asks for the size at once
// may still see none.
func (s *execSession) initialSize(ctx context.Context, height, width uint) {
	if !versions.LessThan(s.d.cli.ClientVersion(), "1.42") {
		return
	}
	for i := range 20 {
		if s.Resize(ctx, height, width) == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(i+1) * 5 * time.Millisecond):
		}
	}
}

// execSession is the ExecSession of the Docker engine.
type execSession struct {
	d         *Docker
	id        string
	container string
	tty       bool
	marker    string
	hj        types.HijackedResponse
}

func (s *execSession) Write(p []byte) (int, error) { return s.hj.Conn.Write(p) }

func (s *execSession) CloseWrite() error { return s.hj.CloseWrite() }

func (s *execSession) Close() error { return s.hj.Conn.Close() }

func (s *execSession) Output(stdout, stderr io.Writer) error {
	var err error
	if s.tty {
		_, err = io.CopyBuffer(stdout, s.hj.Reader, make([]byte, 32<<10))
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, s.hj.Reader)
	}
	if err != nil {
		return fmt.Errorf("exec output: %w", err)
	}
	return nil
}

func (s *execSession) Resize(ctx context.Context, height, width uint) error {
	if !s.tty {
		return nil
	}
	err := s.d.cli.ContainerExecResize(ctx, s.id, container.ResizeOptions{Height: height,
		Width: width})
	if err != nil {
		return fmt.Errorf("resize exec terminal: %w", err)
	}
	return nil
}

func (s *execSession) Running(ctx context.Context) (bool, error) {
	info, err := s.d.cli.ContainerExecInspect(ctx, s.id)
	if err != nil {
		return false, fmt.Errorf("inspect exec in container %s: %w", short(s.container), err)
	}
	return !ended(info), nil
}

// ExitCode polls Docker: the stream can end a moment before the exec is marked done.
func (s *execSession) ExitCode(ctx context.Context) (int, error) {
	return waitExec(ctx, s.d, s.id)
}

func (s *execSession) Kill(ctx context.Context) error {
	killer, err := s.d.cli.ContainerExecCreate(ctx, s.container, container.ExecOptions{
		Cmd: []string{"sh", "-c", killScript, "sh", s.marker}})
	if err != nil {
		return fmt.Errorf("kill exec in container %s: %w", short(s.container), err)
	}
	err = s.d.cli.ContainerExecStart(ctx, killer.ID, container.ExecStartOptions{Detach: true})
	if err != nil {
		return fmt.Errorf("kill exec in container %s: %w", short(s.container), err)
	}
	if _, err := waitExec(ctx, s.d, killer.ID); err != nil {
		return fmt.Errorf("kill exec in container %s: %w", short(s.container), err)
	}
	return nil
}

// ended tells a finished exec from one that Docker has not started yet: both are not
// Running, but only a started one has a pid, and one that failed to start has an exit
// code (126 or 127).
func ended(info container.ExecInspect) bool {
	return !info.Running && (info.Pid != 0 || info.ExitCode != 0)
}

// waitExec polls an exec until it has ended and returns its exit code.
func waitExec(ctx context.Context, d *Docker, id string) (int, error) {
	for {
		info, err := d.cli.ContainerExecInspect(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("inspect exec: %w", err)
		}
		if ended(info) {
			return info.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("wait for exec: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
