package fakeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
)

// The exec websocket speaks Cattle's protocol (cattle-api 6.2): base64 text frames both
// ways and close 1000 with no reason when the command ends. A client that adds the query
// parameter spinlocal=1 (spinlocal exec does) may also send binary frames whose first
// byte is one of the Exec* opcodes below, gets its output as binary frames whose first
// byte is ExecStdout or ExecStderr followed by the raw bytes, and finds the exit status
// in the reason of the final close 1000: "exit 3". The parameters cols and rows give
// that client's initial terminal size.
const (
	// ExecStdin is followed by raw bytes for the command's standard input.
	ExecStdin = 0
	// ExecEOF ends the command's standard input (EOT on a terminal).
	ExecEOF = 1
	// ExecResize is followed by the terminal's columns and rows, uint16 big-endian each.
	ExecResize = 2
	// ExecStdout prefixes output on stdout, or on the terminal.
	ExecStdout = 1
	// ExecStderr prefixes output on stderr.
	ExecStderr = 2
)

// ExecExitPrefix starts the close reason that carries the exit status: "exit 3".
const ExecExitPrefix = "exit "

const (
	// execGrace is how long a command whose client left may take to end on EOF before
	// it is killed.
	execGrace = 2 * time.Second
	// stdinBacklog bounds the input decoded but not yet written to the command.
	stdinBacklog = 1 << 20
)

// execUpgrader reads in large pieces: `spinlocal exec -i` streams whole files.
var execUpgrader = websocket.Upgrader{
	ReadBufferSize:  64 << 10,
	WriteBufferSize: 64 << 10,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// execToken answers the container "execute" action with a host-access token. The CLI
// always sends attachStdin, attachStdout and tty true; absent fields default to true as
// Cattle's containerExec input did. An empty command runs sh.
func (s *Server) execToken(req *request, c emulator.Container, body map[string]any) {
	if err := s.emu.MayChangeContainer(req.caller, req.u.pid, c.ID); err != nil {
		writeError(req.w, err)
		return
	}
	if !contains(emulator.Actions(emulator.KindContainer, c.State), "execute") {
		writeError(req.w, &emulator.APIError{Status: 422, Code: "ActionNotAvailable",
			FieldName: "action", Message: "execute is not available in state " + c.State})
		return
	}
	opts := engine.ExecOptions{Stdin: true, Tty: true}
	if v, ok := body["attachStdin"].(bool); ok {
		opts.Stdin = v
	}
	if v, ok := body["tty"].(bool); ok {
		opts.Tty = v
	}
	if raw, ok := body["command"].([]any); ok {
		for _, e := range raw {
			arg, ok := e.(string)
			if !ok {
				writeError(req.w, &emulator.APIError{Status: 422, Code: "InvalidType",
					FieldName: "command", Message: "command must be a list of strings"})
				return
			}
			opts.Cmd = append(opts.Cmd, arg)
		}
	}
	tok := s.tokens.issue(grant{pid: req.u.pid, container: c.ID, exec: &opts})
	wsBase := "ws" + strings.TrimPrefix(req.u.base, "http")
	writeJSON(req.w, 200, map[string]any{"type": "hostAccess", "url": wsBase + "/v1/exec/",
		"token": tok, "links": map[string]any{}, "actions": map[string]any{}})
}

// handleExecSocket runs the command of an exec token and relays its streams.
func (s *Server) handleExecSocket(w http.ResponseWriter, r *http.Request) {
	g, ok := s.tokens.redeem(r.URL.Query().Get("token"))
	if !ok || g.exec == nil {
		writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
			Message: "exec token is missing, used or expired; ask for a new one"})
		return
	}
	q := r.URL.Query()
	opts := *g.exec
	ext := q.Get("spinlocal") == "1"
	if ext {
		opts.Width, opts.Height = queryUint(q.Get("cols")), queryUint(q.Get("rows"))
	} else if opts.Tty {
		// The CLI sends no size (cattle-api 6.2): give programs a classic terminal.
		opts.Width, opts.Height = 80, 24
	}
	conn, err := execUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	ctx := r.Context()
	sess, err := s.emu.Exec(ctx, g.pid, g.container, opts)
	if err != nil {
		msg := emulator.AsAPIError(err).Message
		if len(msg) > 120 {
			// A close frame's reason must fit in 123 bytes.
			msg = msg[:120]
		}
		closeWith(conn, websocket.CloseInternalServerErr, msg)
		return
	}
	x := &execRelay{conn: conn, sess: sess, ext: ext, tty: opts.Tty, stdin: opts.Stdin,
		s: s}
	x.run(ctx)
}

func queryUint(v string) uint {
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return 0
	}
	return uint(n)
}

// execRelay moves one exec's streams over one websocket.
type execRelay struct {
	s     *Server
	conn  *websocket.Conn
	sess  engine.ExecSession
	ext   bool // the client speaks spinlocal's binary frames too
	tty   bool
	stdin bool
	wmu   sync.Mutex // one frame writer at a time
	enc   []byte     // encoding buffer of the frame writer
}

// run relays until the command ends or the client leaves, and leaves nothing running.
func (x *execRelay) run(ctx context.Context) {
	q := newStdinQueue()
	fed := make(chan struct{})
	go func() { defer close(fed); q.feed(x.sess, x.tty) }()
	outDone := make(chan error, 1)
	go func() {
		outDone <- x.sess.Output(execWriter{x, ExecStdout}, execWriter{x, ExecStderr})
	}()
	clientCtx, clientGone := context.WithCancel(ctx)
	defer clientGone()
	inDone := make(chan struct{})
	go func() { defer close(inDone); defer clientGone(); x.pump(clientCtx, q) }()

	outEnded := false
	select {
	case err := <-outDone:
		outEnded = true
		if err != nil {
			x.s.log.Debug("exec output ended", "err", err)
		}
		if !x.closeWithStatus(clientCtx) {
			x.abandon(ctx, q)
		}
	case <-inDone:
		x.abandon(ctx, q)
	}

	x.sess.Close()
	q.stop()
	<-fed
	select {
	case <-inDone:
	case <-time.After(2 * time.Second):
		// The client did not answer the close frame.
	}
	x.conn.Close()
	<-inDone
	if !outEnded {
		<-outDone
	}
}

// closeWithStatus waits for the command to end and sends close 1000. The CLI fails
// unless the close reads exactly "close 1000 (normal)", so only spinlocal exec gets the
// status as the reason. It returns false when the client left first.
func (x *execRelay) closeWithStatus(ctx context.Context) bool {
	code, err := x.sess.ExitCode(ctx)
	if err != nil {
		return false
	}
	reason := ""
	if x.ext {
		reason = ExecExitPrefix + strconv.Itoa(code)
	}
	closeWith(x.conn, websocket.CloseNormalClosure, reason)
	return true
}

// abandon ends a command whose client left: EOF on its input first, as a terminal
// hang-up would, then a kill when it is still running after execGrace.
func (x *execRelay) abandon(ctx context.Context, q *stdinQueue) {
	q.finish()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), execGrace+10*time.Second)
	defer cancel()
	deadline := time.Now().Add(execGrace)
	for time.Now().Before(deadline) {
		running, err := x.sess.Running(ctx)
		if err != nil || !running {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := x.sess.Kill(ctx); err != nil {
		x.s.log.Warn("cannot kill an abandoned exec", "err", err)
	}
}

// pump reads the client's frames until the socket fails or closes.
func (x *execRelay) pump(ctx context.Context, q *stdinQueue) {
	var sink io.Writer = q
	if !x.stdin {
		sink = io.Discard
	}
	buf, text := make([]byte, 64<<10), make([]byte, 48<<10)
	var pace keyPacer
	for {
		typ, r, err := x.conn.NextReader()
		if err != nil {
			return
		}
		switch {
		case typ == websocket.TextMessage:
			var n int
			n, err = decodeText(r, sink, text, buf)
			pace.frame(n)
		case typ == websocket.BinaryMessage && x.ext:
			err = x.control(ctx, r, sink, buf)
		}
		if err != nil && !errors.Is(err, errStdinClosed) {
			x.s.log.Debug("exec input frame dropped", "err", err)
		}
	}
}

// decodeText writes the bytes of one base64 text frame to sink and returns their number.
// A frame that fits in text (every keystroke frame of the CLI) is decoded with no
// allocation; a longer one streams.
func decodeText(r io.Reader, sink io.Writer, text, buf []byte) (int, error) {
	n, err := io.ReadFull(r, text)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		m, err := base64.StdEncoding.Decode(buf, text[:n])
		if err != nil {
			return 0, fmt.Errorf("decode input frame: %w", err)
		}
		return sink.Write(buf[:m])
	}
	if err != nil {
		return 0, fmt.Errorf("read input frame: %w", err)
	}
	rest := io.MultiReader(bytes.NewReader(text), r)
	written, err := io.CopyBuffer(sink, base64.NewDecoder(base64.StdEncoding, rest), buf)
	return int(written), err
}

// keyPacer notices a flood of keystroke frames (a paste, or a file fed to the CLI through
// a terminal) and then pauses reading now and then, so that frames pile up in the socket
// and are read, decoded and written to the command in bulk rather than with system calls
// for every byte. Typing is never slowed: keystrokes come far apart.
type keyPacer struct{ last, rested time.Time }

func (p *keyPacer) frame(size int) {
	now := time.Now()
	flood := size <= 8 && now.Sub(p.last) < 500*time.Microsecond
	p.last = now
	if flood && now.Sub(p.rested) > 5*time.Millisecond {
		time.Sleep(2 * time.Millisecond)
		p.rested = time.Now()
	}
}

// control handles one binary frame of the spinlocal protocol.
func (x *execRelay) control(ctx context.Context, r io.Reader, sink io.Writer,
	buf []byte) error {
	var op [1]byte
	if _, err := io.ReadFull(r, op[:]); err != nil {
		return fmt.Errorf("read opcode: %w", err)
	}
	switch op[0] {
	case ExecStdin:
		_, err := io.CopyBuffer(sink, r, buf)
		return err
	case ExecEOF:
		if q, ok := sink.(*stdinQueue); ok {
			q.finish()
		}
		return nil
	case ExecResize:
		var size [4]byte
		if _, err := io.ReadFull(r, size[:]); err != nil {
			return fmt.Errorf("read resize: %w", err)
		}
		cols, rows := binary.BigEndian.Uint16(size[:2]), binary.BigEndian.Uint16(size[2:])
		return x.sess.Resize(ctx, uint(rows), uint(cols))
	}
	return fmt.Errorf("unknown opcode %d", op[0])
}

// execWriter sends each chunk of output as one frame: for the CLI the standard base64 of
// the whole chunk (the CLI decodes every frame on its own), for spinlocal exec the stream
// byte and the raw chunk.
type execWriter struct {
	x      *execRelay
	stream byte
}

func (w execWriter) Write(p []byte) (int, error) {
	x := w.x
	x.wmu.Lock()
	defer x.wmu.Unlock()
	typ := websocket.TextMessage
	if x.ext {
		typ = websocket.BinaryMessage
		x.enc = append(append(x.enc[:0], w.stream), p...)
	} else {
		x.enc = base64.StdEncoding.AppendEncode(x.enc[:0], p)
	}
	if err := x.conn.WriteMessage(typ, x.enc); err != nil {
		return 0, fmt.Errorf("send exec output: %w", err)
	}
	return len(p), nil
}

var errStdinClosed = errors.New("exec input is closed")

// stdinQueue hands decoded input to one feeding goroutine, which writes all that has
// piled up in one call: the CLI sends a frame per keystroke, so a paste becomes one
// write instead of one per byte.
type stdinQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte
	eof     bool // no more input: send EOF once buf is written
	stopped bool // drop everything
}

func newStdinQueue() *stdinQueue {
	q := &stdinQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Write queues p, waiting while the backlog is full.
func (q *stdinQueue) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.buf) > 0 && len(q.buf)+len(p) > stdinBacklog && !q.stopped && !q.eof {
		q.cond.Wait()
	}
	if q.stopped || q.eof {
		return 0, errStdinClosed
	}
	q.buf = append(q.buf, p...)
	q.cond.Broadcast()
	return len(p), nil
}

// finish marks the end of input.
func (q *stdinQueue) finish() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.eof = true
	q.cond.Broadcast()
}

// stop drops pending and future input and ends feed.
func (q *stdinQueue) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stopped = true
	q.buf = nil
	q.cond.Broadcast()
}

// feed writes queued input to dst until EOF or stop. EOF closes dst's input, or on a
// terminal types EOT (Ctrl-D), because Docker stops relaying a terminal's output once
// its input is closed.
func (q *stdinQueue) feed(dst engine.ExecSession, tty bool) {
	var spare []byte
	for {
		q.mu.Lock()
		for len(q.buf) == 0 && !q.eof && !q.stopped {
			q.cond.Wait()
		}
		if q.stopped {
			q.mu.Unlock()
			return
		}
		chunk, eof := q.buf, q.eof && len(q.buf) == 0
		q.buf = spare[:0]
		q.cond.Broadcast()
		q.mu.Unlock()

		if eof {
			if tty {
				_, _ = dst.Write([]byte{4})
			} else {
				_ = dst.CloseWrite()
			}
			return
		}
		if _, err := dst.Write(chunk); err != nil {
			q.stop()
			return
		}
		spare = chunk
	}
}
