package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/gorilla/websocket"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/spinlocal/spinlocal/fakeapi"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func execCommand() *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command in a running container, with its exit status",
		ArgsUsage: "CONTAINER|STACK/SERVICE [COMMAND...]",
		Description: "Like `rancher exec`, but stdin may be a pipe (-i without -t): large " +
			"input streams through and ends with EOF. Without a command it runs sh.",
		UseShortOptionHandling: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"},
				EnvVars: []string{"SPINLOCAL_INTERACTIVE"},
				Usage:   "send stdin to the command"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"},
				EnvVars: []string{"SPINLOCAL_TTY"},
				Usage:   "run the command on a terminal (raw local terminal with -i)"},
			urlFlag(), stateDirFlag(), environmentFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("name a container or STACK/SERVICE")
			}
			opts := execOptions{target: c.Args().First(), cmd: c.Args().Tail(),
				stdin: c.Bool("interactive"), tty: c.Bool("tty"),
				base: strings.TrimRight(c.String("url"), "/"), stateDir: c.String("state-dir"),
				env: c.String("environment"), in: c.App.Reader, out: c.App.Writer,
				errOut: c.App.ErrWriter}
			code, err := runExec(c.Context, opts)
			if err != nil {
				return err
			}
			if code != 0 {
				// main knows only errors; the remote status is the process's status.
				cli.OsExiter(code)
			}
			return nil
		},
	}
}

// execOptions is what one `spinlocal exec` asks for.
type execOptions struct {
	target              string
	cmd                 []string
	stdin, tty          bool
	base, stateDir, env string
	in                  io.Reader
	out, errOut         io.Writer
}

// runExec runs the command and returns its exit status.
func runExec(ctx context.Context, o execOptions) (int, error) {
	inTerm := isTerminal(o.in)
	if o.tty && o.stdin && !inTerm {
		return 0, errors.New("stdin is not a terminal: drop -t to pipe input")
	}
	cl, err := connect(ctx, o.base, o.stateDir, o.env)
	if err != nil {
		return 0, err
	}
	ct, err := findExecTarget(ctx, cl, o.target)
	if err != nil {
		return 0, err
	}
	conn, err := dialExec(ctx, cl, ct, o)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ws := &execConn{conn: conn}

	if o.tty && o.stdin {
		fd := int(o.in.(*os.File).Fd())
		old, err := term.MakeRaw(fd)
		if err != nil {
			return 0, fmt.Errorf("raw terminal: %w", err)
		}
		defer func() { _ = term.Restore(fd, old) }()
	}
	if o.tty {
		stop := ws.followResizes(o)
		defer stop()
	}
	if o.stdin {
		go ws.sendStdin(o.in)
	}
	return ws.receive(o.out, o.errOut)
}

// findExecTarget resolves a container name or id, or STACK/SERVICE to the service's first
// running container.
func findExecTarget(ctx context.Context, cl *client.Client, name string) (client.Resource,
	error) {
	ct, err := cl.FindByName(ctx, "containers", name, nil)
	if err != nil || ct != nil {
		return ct, err
	}
	stackName, svcName, ok := strings.Cut(name, "/")
	if !ok {
		ct, err := cl.Get(ctx, cl.ProjectURL()+"/containers/"+url.PathEscape(name))
		if err == nil {
			return ct, nil
		}
		return nil, fmt.Errorf("no container %q (name a service as STACK/SERVICE)", name)
	}
	stack, err := cl.FindByName(ctx, "stacks", stackName, nil)
	if err != nil {
		return nil, err
	}
	if stack == nil {
		return nil, fmt.Errorf("no stack %q", stackName)
	}
	svc, err := cl.FindByName(ctx, "services", svcName, url.Values{
		"stackId": {stack.Str("id")}})
	if err != nil {
		return nil, err
	}
	if svc == nil {
		return nil, fmt.Errorf("no service %q in stack %q", svcName, stackName)
	}
	items, err := cl.List(ctx, "services/"+svc.Str("id")+"/instances", nil)
	if err != nil {
		return nil, fmt.Errorf("containers of %s: %w", name, err)
	}
	for _, it := range items {
		if it.Str("state") == "running" {
			return it, nil
		}
	}
	return nil, fmt.Errorf("service %s has no running container", name)
}

// dialExec asks for an exec token and opens the websocket, speaking spinlocal's binary
// frames (fakeapi.ExecStdin and friends) rather than the CLI's base64.
func dialExec(ctx context.Context, cl *client.Client, ct client.Resource, o execOptions) (
	*websocket.Conn, error) {
	u := ct.Action("execute")
	if u == "" {
		return nil, fmt.Errorf("container %s is not running (state %s)", ct.Str("name"),
			ct.Str("state"))
	}
	var access struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	}
	body := map[string]any{"attachStdin": o.stdin, "attachStdout": true,
		"command": append([]string{}, o.cmd...), "tty": o.tty}
	if err := cl.Do(ctx, http.MethodPost, u, body, &access); err != nil {
		return nil, fmt.Errorf("exec in %s: %w", ct.Str("name"), err)
	}
	q := url.Values{"token": {access.Token}, "spinlocal": {"1"}}
	if cols, rows, ok := termSize(o); ok && o.tty {
		q.Set("cols", strconv.Itoa(cols))
		q.Set("rows", strconv.Itoa(rows))
	}
	d := websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10}
	conn, resp, err := d.DialContext(ctx, access.URL+"?"+q.Encode(), nil)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (%s)", err, resp.Status)
		}
		return nil, fmt.Errorf("exec in %s: %w", ct.Str("name"), err)
	}
	return conn, nil
}

// execConn serialises the frames spinlocal exec sends.
type execConn struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

func (e *execConn) send(frame []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn.WriteMessage(websocket.BinaryMessage, frame)
}

// sendStdin streams r in large frames and then sends EOF. A failed send means the
// connection is gone, which receive reports.
func (e *execConn) sendStdin(r io.Reader) {
	buf := make([]byte, 1+256<<10)
	buf[0] = fakeapi.ExecStdin
	for {
		n, err := r.Read(buf[1:])
		if n > 0 {
			if e.send(buf[:1+n]) != nil {
				return
			}
		}
		if err != nil {
			_ = e.send([]byte{fakeapi.ExecEOF})
			return
		}
	}
}

// followResizes sends the terminal size whenever it changes, until stop is called.
func (e *execConn) followResizes(o execOptions) (stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-winch:
				if cols, rows, ok := termSize(o); ok {
					frame := []byte{fakeapi.ExecResize, 0, 0, 0, 0}
					binary.BigEndian.PutUint16(frame[1:], uint16(cols))
					binary.BigEndian.PutUint16(frame[3:], uint16(rows))
					_ = e.send(frame)
				}
			}
		}
	}()
	return func() { signal.Stop(winch); close(done) }
}

// receive writes the command's output until the daemon closes the socket, and returns
// the exit status from the close reason.
func (e *execConn) receive(stdout, stderr io.Writer) (int, error) {
	for {
		typ, msg, err := e.conn.ReadMessage()
		if err != nil {
			return exitStatus(err)
		}
		switch {
		case typ == websocket.BinaryMessage && len(msg) > 0:
			w := stdout
			if msg[0] == fakeapi.ExecStderr {
				w = stderr
			}
			_, err = w.Write(msg[1:])
		case typ == websocket.TextMessage:
			var raw []byte
			if raw, err = base64.StdEncoding.DecodeString(string(msg)); err == nil {
				_, err = stdout.Write(raw)
			}
		}
		if err != nil {
			return 0, fmt.Errorf("write output: %w", err)
		}
	}
}

// exitStatus reads "exit N" from the daemon's normal close.
func exitStatus(err error) (int, error) {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return 0, fmt.Errorf("connection to the daemon lost: %w", err)
	}
	if ce.Code != websocket.CloseNormalClosure {
		return 0, fmt.Errorf("exec failed: %s", ce.Text)
	}
	code, convErr := strconv.Atoi(strings.TrimPrefix(ce.Text, fakeapi.ExecExitPrefix))
	if convErr != nil {
		return 0, fmt.Errorf("the daemon sent no exit status (%q)", ce.Text)
	}
	return code, nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// termSize is the local terminal's size, from stdout or else stdin.
func termSize(o execOptions) (cols, rows int, ok bool) {
	for _, s := range []any{o.out, o.in} {
		if f, isFile := s.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
			if c, r, err := term.GetSize(int(f.Fd())); err == nil {
				return c, r, true
			}
		}
	}
	return 0, 0, false
}
