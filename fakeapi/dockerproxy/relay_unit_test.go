package dockerproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
)

// fakeBackend knows containers but reaches no Docker: for the pure parts of a session.
type fakeBackend struct{ ts []emulator.DockerTarget }

func (f fakeBackend) Dial(context.Context) (net.Conn, error) {
	return nil, errors.New("no Docker in unit tests")
}

func (f fakeBackend) Targets() []emulator.DockerTarget { return f.ts }

// answer is what a docker client reads from what the session wrote.
func answer(t *testing.T, wire []byte, method string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://docker/", nil)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(wire)), req)
	if err != nil {
		t.Fatalf("read %q: %v", wire, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %q: %v", wire, err)
	}
	return resp, string(body)
}

func TestEventsKeepTheCallersContainers(t *testing.T) {
	stream := `{"Type":"container","Action":"start","Actor":{"ID":"aaa111"}}
{"Type":"container","Action":"die","Actor":{"ID":"bbb333"}}
{"Type":"network","Action":"connect","Actor":{"ID":"aaa111"}}
{"Type":"container","Action":"exec_start","Actor":{"ID":"aab222"}}
`
	var wire bytes.Buffer
	s := &session{b: fakeBackend{targets()}, out: bufio.NewWriter(&wire)}
	resp := &http.Response{Status: "200 OK", StatusCode: 200,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(strings.NewReader(stream))}
	if err := s.events(resp); err != nil {
		t.Fatal(err)
	}
	got, body := answer(t, wire.Bytes(), "GET")
	want := `{"Type":"container","Action":"start","Actor":{"ID":"aaa111"}}` + "\n" +
		`{"Type":"container","Action":"exec_start","Actor":{"ID":"aab222"}}` + "\n"
	if body != want || got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("events: %q", body)
	}
}

func TestPassKeepsDockersFraming(t *testing.T) {
	cases := []struct {
		name, method string
		length       int64
		te           []string
		body         string
		wantClose    bool
	}{
		{name: "length", method: "GET", length: 5, body: "hello"},
		{name: "chunked", method: "GET", length: -1, te: []string{"chunked"},
			body: "streamed"},
		{name: "until-close", method: "GET", length: -1, body: "raw", wantClose: true},
		{name: "head", method: "HEAD", length: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var wire bytes.Buffer
			s := &session{b: fakeBackend{}, out: bufio.NewWriter(&wire)}
			h := http.Header{"Api-Version": {"1.41"}}
			if tc.method == "HEAD" {
				h.Set("Content-Length", "3")
			}
			resp := &http.Response{Status: "200 OK", StatusCode: 200, Header: h,
				ContentLength: tc.length, TransferEncoding: tc.te,
				Body: io.NopCloser(strings.NewReader(tc.body))}
			req, _ := http.NewRequest(tc.method, "http://docker/", nil)
			if err := s.pass(req, resp); err != nil {
				t.Fatal(err)
			}
			got, body := answer(t, wire.Bytes(), tc.method)
			if body != tc.body || got.Close != tc.wantClose ||
				got.Header.Get("Api-Version") != "1.41" {
				t.Fatalf("answer %q close %v from %q", body, got.Close, wire.String())
			}
			if tc.method == "HEAD" && got.ContentLength != 3 {
				t.Fatalf("HEAD lost its length: %q", wire.String())
			}
		})
	}
}

func TestRefusalIsDockersErrorForm(t *testing.T) {
	var wire bytes.Buffer
	w := bufio.NewWriter(&wire)
	if err := writeRefusal(w, privileged(), false); err != nil {
		t.Fatal(err)
	}
	resp, body := answer(t, wire.Bytes(), "POST")
	if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.HasPrefix(body, `{"message":"spinlocal: privileged exec is not allowed`) {
		t.Fatalf("refusal: %d %q", resp.StatusCode, body)
	}
}

func (f fakeBackend) ExecTag() []string {
	return []string{"SPINLOCAL_EXEC=feed", "SPINLOCAL_EXEC_RUN=beef"}
}

func (f fakeBackend) EndExec(context.Context, string, string) error {
	return errors.New("no Docker in unit tests")
}
