package fakeapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 32 << 10,
	// The CLI sends no Origin worth checking; Cattle did not check it either.
	CheckOrigin: func(*http.Request) bool { return true },
}

// logsToken answers the container "logs" action with a host-access token. A null or empty
// body means what Cattle's defaults say: follow, last 100 lines, with timestamps.
func (s *Server) logsToken(req *request, c emulator.Container, body map[string]any) {
	if !contains(emulator.Actions(emulator.KindContainer, c.State), "logs") {
		writeError(req.w, &emulator.APIError{Status: 422, Code: "ActionNotAvailable",
			FieldName: "action", Message: "logs is not available in state " + c.State})
		return
	}
	opts := engine.LogOptions{Follow: true, Tail: 100, Timestamps: true}
	if v, ok := body["follow"].(bool); ok {
		opts.Follow = v
	}
	if v, ok := body["timestamps"].(bool); ok {
		opts.Timestamps = v
	}
	if n := optInt(body, "lines"); n != nil {
		opts.Tail = *n
	}
	since, err := parseSince(str(body, "since"), time.Now())
	if err != nil {
		writeError(req.w, &emulator.APIError{Status: 422, Code: "InvalidFormat",
			FieldName: "since", Message: err.Error()})
		return
	}
	opts.Since = since
	tok := s.tokens.issue(grant{pid: req.u.pid, container: c.ID, logs: opts})
	wsBase := "ws" + strings.TrimPrefix(req.u.base, "http")
	writeJSON(req.w, 200, map[string]any{"type": "hostAccess", "url": wsBase + "/v1/logs/",
		"token": tok, "links": map[string]any{}, "actions": map[string]any{}})
}

// unixSeconds is a plain decimal Unix time, fractions allowed.
var unixSeconds = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// parseSince accepts what `docker logs --since` does: RFC 3339, Unix seconds (fractions
// allowed) or a duration before now. It returns Docker's form.
func parseSince(s string, now time.Time) (string, error) {
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return strconv.FormatInt(t.Unix(), 10), nil
	}
	if unixSeconds.MatchString(s) {
		return s, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return strconv.FormatInt(now.Add(-d).Unix(), 10), nil
	}
	return "", fmt.Errorf("since %q is not an RFC 3339 time, Unix seconds or a duration "+
		"such as 10m", s)
}

// handleLogsSocket streams one container's output as websocket text frames, one line each,
// prefixed "01 " (stdout), "02 " (stderr) or "00 " (TTY), then closes with 1000.
func (s *Server) handleLogsSocket(w http.ResponseWriter, r *http.Request) {
	g, ok := s.tokens.redeem(r.URL.Query().Get("token"))
	if !ok || g.exec != nil {
		writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
			Message: "log token is missing, used or expired; ask for a new one"})
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		// Reading notices the client going away; nothing it sends matters.
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				cancel()
				return
			}
		}
	}()
	rc, tty, err := s.emu.Logs(ctx, g.pid, g.container, g.logs)
	if err != nil {
		closeWith(conn, websocket.CloseInternalServerErr, err.Error())
		return
	}
	defer rc.Close()
	out := &frameWriter{conn: conn}
	if tty {
		err = sendLines(rc, "00", out)
	} else {
		err = demux(rc, out)
	}
	if err != nil && ctx.Err() == nil {
		s.log.Debug("log stream ended", "err", err)
	}
	closeWith(conn, websocket.CloseNormalClosure, "")
}

func closeWith(conn *websocket.Conn, code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}

// frameWriter serialises text frames on one connection.
type frameWriter struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

func (f *frameWriter) send(code string, line []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	buf := make([]byte, 0, len(line)+3)
	buf = append(append(append(buf, code...), ' '), line...)
	return f.conn.WriteMessage(websocket.TextMessage, buf)
}

// sendLines frames every line of r with code.
func sendLines(r io.Reader, code string, out *frameWriter) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if err := out.send(code, sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// demux splits Docker's multiplexed stream (8-byte headers: stream, 3 zero bytes, size)
// into lines per stream.
func demux(r io.Reader, out *frameWriter) error {
	br := bufio.NewReaderSize(r, 32<<10)
	partial := map[byte][]byte{}
	header := make([]byte, 8)
	for {
		if _, err := io.ReadFull(br, header); err != nil {
			for stream, rest := range partial {
				if len(rest) > 0 {
					_ = out.send(streamCode(stream), rest)
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil
			}
			return err
		}
		stream := header[0]
		payload := make([]byte, binary.BigEndian.Uint32(header[4:]))
		if _, err := io.ReadFull(br, payload); err != nil {
			return err
		}
		buf := append(partial[stream], payload...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			if err := out.send(streamCode(stream), buf[:i]); err != nil {
				return err
			}
			buf = buf[i+1:]
		}
		partial[stream] = buf
	}
}

func streamCode(stream byte) string {
	if stream == 2 {
		return "02"
	}
	return "01"
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
