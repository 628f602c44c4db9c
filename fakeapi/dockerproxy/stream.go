package dockerproxy

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// frameBacklog bounds the decoded frames waiting for the session. The Rancher CLI sends
// at most 8 KiB per frame, and the docker client sends nothing while it waits for an
// answer, so the reader is normally idle in ReadMessage, where it notices a close.
const frameBacklog = 64

// wsStream turns the websocket into a byte stream: frames from the client are decoded
// and queued by pump, and every Write becomes one base64 text frame. One goroutine may
// read and one may write at a time.
type wsStream struct {
	conn   *websocket.Conn
	frames chan []byte
	cur    []byte
	gone   context.CancelFunc // called when the client side ends
	done   chan struct{}      // closed by stop: nobody reads frames any more
	once   sync.Once
}

func newWSStream(conn *websocket.Conn, gone context.CancelFunc) *wsStream {
	return &wsStream{conn: conn, frames: make(chan []byte, frameBacklog), gone: gone,
		done: make(chan struct{})}
}

// stop closes the socket and releases pump.
func (s *wsStream) stop() {
	s.once.Do(func() {
		close(s.done)
		_ = s.conn.Close()
	})
}

// pump reads frames until the socket closes or carries something that is not base64 text.
func (s *wsStream) pump() {
	defer s.gone()
	defer close(s.frames)
	for {
		typ, msg, err := s.conn.ReadMessage()
		if err != nil {
			return
		}
		if typ != websocket.TextMessage {
			s.closeWith(websocket.CloseUnsupportedData,
				"spinlocal: dockersocket frames must be base64 text frames")
			return
		}
		raw, err := base64.StdEncoding.DecodeString(string(msg))
		if err != nil {
			s.closeWith(websocket.CloseInvalidFramePayloadData,
				"spinlocal: a frame is not standard base64")
			return
		}
		if len(raw) == 0 {
			continue
		}
		select {
		case s.frames <- raw:
		case <-s.done:
			return
		}
	}
}

// Read returns the client's bytes; io.EOF once the socket is closed.
func (s *wsStream) Read(p []byte) (int, error) {
	if len(s.cur) == 0 {
		raw, ok := <-s.frames
		if !ok {
			return 0, io.EOF
		}
		s.cur = raw
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

// Write sends p as one frame.
func (s *wsStream) Write(p []byte) (int, error) {
	frame := base64.StdEncoding.EncodeToString(p)
	if err := s.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		return 0, fmt.Errorf("send frame: %w", err)
	}
	return len(p), nil
}

// closeWith sends a close frame; the Rancher CLI ignores its code.
func (s *wsStream) closeWith(code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	_ = s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}
