package fakeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

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
