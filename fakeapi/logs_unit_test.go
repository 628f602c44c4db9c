package fakeapi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestParseSinceUnit(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	unix := func(tm time.Time) string { return strconv.FormatInt(tm.Unix(), 10) }
	tests := []struct {
		in, want string
	}{
		{"", ""},
		// RFC 3339, as the CLI passes --since verbatim.
		{"2018-01-01T00:00:00Z", "1514764800"},
		{"2018-01-01T01:00:00+01:00", "1514764800"},
		{"2017-12-31T19:00:00-05:00", "1514764800"},
		{"2018-01-01T00:00:00.123456789Z", "1514764800"},
		// Unix seconds, fractions allowed, passed on as given.
		{"1514764800", "1514764800"},
		{"1514764800.5", "1514764800.5"},
		{"0", "0"},
		// Durations before now.
		{"10m", unix(now.Add(-10 * time.Minute))},
		{"1h30m", unix(now.Add(-90 * time.Minute))},
		{"45s", unix(now.Add(-45 * time.Second))},
	}
	for _, tt := range tests {
		got, err := parseSince(tt.in, now)
		if err != nil || got != tt.want {
			t.Errorf("parseSince(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "10 minutes", "2018-13-01T00:00:00Z",
		"2018-01-01 00:00:00", "1514764800,5", "m10", "--"} {
		got, err := parseSince(bad, now)
		if err == nil {
			t.Errorf("parseSince(%q) = %q, want an error", bad, got)
			continue
		}
		if !strings.Contains(err.Error(), bad) {
			t.Errorf("parseSince(%q) error %q does not quote the input", bad, err)
		}
	}
}

// docker logs --since and the Docker client accept only digits with an optional
// fraction as Unix seconds; strconv.ParseFloat also takes these, and the Docker client
// then rejects them after the token was issued, so `rancher logs` silently prints nothing.
func TestParseSinceRejectsNonDecimalNumbersUnit(t *testing.T) {
	for _, bad := range []string{"NaN", "Inf", "-Inf", "infinity", "1e9", "0x1p4"} {
		if got, err := parseSince(bad, time.Now()); err == nil {
			t.Errorf("parseSince(%q) = %q, want an error", bad, got)
		}
	}
}

// frame builds one frame of Docker's multiplexed stream.
func frame(stream byte, payload string) []byte {
	h := make([]byte, 8, 8+len(payload))
	h[0] = stream
	binary.BigEndian.PutUint32(h[4:], uint32(len(payload)))
	return append(h, payload...)
}

func frames(fs ...[]byte) []byte { return bytes.Join(fs, nil) }

// overSocket runs send on the server end of a real websocket, closes it normally, and
// returns the text frames the client received and send's error.
func overSocket(t *testing.T, send func(*frameWriter) error) ([]string, error) {
	t.Helper()
	done := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		done <- send(&frameWriter{conn: conn})
		closeWith(conn, websocket.CloseNormalClosure, "")
		// Wait for the client's close reply.
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"),
		nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []string
	for {
		typ, msg, err := conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Errorf("stream ended with %v, want close 1000", err)
			}
			break
		}
		if typ != websocket.TextMessage {
			t.Errorf("frame type %d, want text", typ)
		}
		got = append(got, string(msg))
	}
	select {
	case err := <-done:
		return got, err
	case <-time.After(5 * time.Second):
		t.Fatal("server did not finish")
		return nil, nil
	}
}

func TestDemuxUnit(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	tests := []struct {
		name   string
		stream []byte
		want   []string
	}{
		{"one line per stream", frames(frame(1, "out\n"), frame(2, "err\n")),
			[]string{"01 out", "02 err"}},
		{"line split across two frames", frames(frame(1, "hel"), frame(1, "lo world\n")),
			[]string{"01 hello world"}},
		{"split line with the other stream in between",
			frames(frame(1, "a1\na2-"), frame(2, "e1\n"), frame(1, "end\n")),
			[]string{"01 a1", "02 e1", "01 a2-end"}},
		{"split across three frames", frames(frame(2, "a"), frame(2, "b"), frame(2, "c\n")),
			[]string{"02 abc"}},
		{"several lines in one frame", frames(frame(2, "x\ny\nz\n")),
			[]string{"02 x", "02 y", "02 z"}},
		{"empty lines", frames(frame(1, "\n\n")), []string{"01 ", "01 "}},
		{"empty frame", frames(frame(1, ""), frame(1, "after\n")), []string{"01 after"}},
		{"timestamps", frames(frame(1, "2018-01-01T00:00:00.000000000Z hello\n")),
			[]string{"01 2018-01-01T00:00:00.000000000Z hello"}},
		{"last line without newline", frames(frame(1, "done\n"), frame(1, "no newline")),
			[]string{"01 done", "01 no newline"}},
		{"stdin stream counts as stdout", frames(frame(0, "in\n")), []string{"01 in"}},
		{"line longer than the read buffer", frames(frame(1, long[:50<<10]),
			frame(1, long[50<<10:]+"\n")), []string{"01 " + long}},
		{"truncated header at the end", append(frames(frame(1, "ok\n")), 1, 0, 0),
			[]string{"01 ok"}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		got, err := overSocket(t, func(out *frameWriter) error {
			return demux(bytes.NewReader(tt.stream), out)
		})
		if err != nil {
			t.Errorf("%s: demux: %v", tt.name, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: frames %q, want %q", tt.name, short(got), short(tt.want))
		}
	}
}

// Partial lines of both streams left at the end are all sent, in either order.
func TestDemuxFlushesBothStreamsUnit(t *testing.T) {
	got, err := overSocket(t, func(out *frameWriter) error {
		return demux(bytes.NewReader(frames(frame(1, "out"), frame(2, "err"))), out)
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"01 out", "02 err"}; !slices.Equal(got, want) {
		t.Errorf("frames %q, want %q", got, want)
	}
}

// A stream cut inside a payload still delivers the lines completed before the cut.
func TestDemuxTruncatedPayloadUnit(t *testing.T) {
	stream := frames(frame(1, "first\n"), frame(2, "whole\n"))
	cut := frame(1, "0123456789")[:12]
	got, _ := overSocket(t, func(out *frameWriter) error {
		return demux(bytes.NewReader(append(stream, cut...)), out)
	})
	if want := []string{"01 first", "02 whole"}; !slices.Equal(got, want) {
		t.Errorf("frames %q, want %q", got, want)
	}
}

type failingReader struct{ data []byte }

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errors.New("connection reset")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestDemuxReportsReadErrorsUnit(t *testing.T) {
	got, err := overSocket(t, func(out *frameWriter) error {
		return demux(&failingReader{data: frame(1, "a\nb")}, out)
	})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("demux error = %v, want the read error", err)
	}
	if len(got) == 0 || got[0] != "01 a" {
		t.Errorf("frames %q, want 01 a first", got)
	}
}

func TestSendLinesTTYUnit(t *testing.T) {
	got, err := overSocket(t, func(out *frameWriter) error {
		return sendLines(strings.NewReader("one\r\ntwo\n\nlast"), "00", out)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"00 one", "00 two", "00 ", "00 last"}; !slices.Equal(got, want) {
		t.Errorf("frames %q, want %q", got, want)
	}
}

func TestStreamCodeUnit(t *testing.T) {
	for stream, want := range map[byte]string{0: "01", 1: "01", 2: "02", 3: "01"} {
		if got := streamCode(stream); got != want {
			t.Errorf("streamCode(%d) = %q, want %q", stream, got, want)
		}
	}
}

// short keeps failure messages readable when a frame is very long.
func short(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if len(l) > 40 {
			l = l[:40] + "...(" + strconv.Itoa(len(l)) + " bytes)"
		}
		out[i] = l
	}
	return out
}
