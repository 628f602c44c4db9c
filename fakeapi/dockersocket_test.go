package fakeapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// dockerSocket does what the Rancher CLI does for every connection its docker client
// opens: POST the host's dockersocket action with the body null, then dial the url with
// ?token= and Basic auth. The conn carries raw Docker API bytes in base64 text frames.
func dockerSocket(ctx context.Context, c *client.Client) (net.Conn, error) {
	host, err := c.Get(ctx, c.ProjectURL()+"/hosts/1h1")
	if err != nil {
		return nil, err
	}
	var access struct{ Type, URL, Token string }
	err = c.Do(ctx, "POST", host.Action("dockersocket"), json.RawMessage("null"), &access)
	if err != nil {
		return nil, err
	}
	if access.Type != "hostAccess" || !strings.HasSuffix(access.URL, "/v1/dockersocket/") {
		return nil, errors.New("dockersocket reply is not a hostAccess: " + access.URL)
	}
	auth := base64.StdEncoding.EncodeToString([]byte(c.AccessKey + ":" + c.SecretKey))
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, access.URL+"?token="+access.Token,
		http.Header{"Authorization": {"Basic " + auth}})
	if err != nil {
		return nil, err
	}
	return &frameConn{ws: ws}, nil
}

// frameConn is a net.Conn over base64 text frames, as the CLI's relay reads and writes
// them: each write one frame, each frame decoded on its own.
type frameConn struct {
	ws      *websocket.Conn
	pending []byte
}

func (f *frameConn) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		typ, msg, err := f.ws.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code == websocket.CloseNormalClosure {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		if typ != websocket.TextMessage {
			return 0, errors.New("the daemon sent a frame that is not text")
		}
		if f.pending, err = base64.StdEncoding.DecodeString(string(msg)); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

func (f *frameConn) Write(p []byte) (int, error) {
	enc := base64.StdEncoding.EncodeToString(p)
	if err := f.ws.WriteMessage(websocket.TextMessage, []byte(enc)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *frameConn) Close() error                       { return f.ws.Close() }
func (f *frameConn) LocalAddr() net.Addr                { return f.ws.LocalAddr() }
func (f *frameConn) RemoteAddr() net.Addr               { return f.ws.RemoteAddr() }
func (f *frameConn) SetReadDeadline(t time.Time) error  { return f.ws.SetReadDeadline(t) }
func (f *frameConn) SetWriteDeadline(t time.Time) error { return f.ws.SetWriteDeadline(t) }
func (f *frameConn) SetDeadline(t time.Time) error {
	if err := f.ws.SetReadDeadline(t); err != nil {
		return err
	}
	return f.ws.SetWriteDeadline(t)
}

// dockerHTTP is an HTTP client whose every connection is a dockersocket of c's user.
func dockerHTTP(c *client.Client) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dockerSocket(ctx, c)
		}}}
}

// dockerCall sends one Docker API request through the dockersocket.
func dockerCall(t *testing.T, hc *http.Client, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, "http://docker"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp.StatusCode, raw
}

// dockerMessage reads the message of a Docker error body.
func dockerMessage(raw []byte) string {
	var e struct{ Message string }
	_ = json.Unmarshal(raw, &e)
	return e.Message
}

// execStart starts an exec as the docker client does, upgrading its own connection,
// sends input, and returns everything Docker wrote until the daemon closed the socket.
func execStart(t *testing.T, c *client.Client, id string, tty bool, input string) []byte {
	t.Helper()
	conn, err := dockerSocket(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	body, _ := json.Marshal(map[string]any{"Detach": false, "Tty": tty})
	req, _ := http.NewRequest("POST", "http://docker/v1.41/exec/"+id+"/start",
		bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "tcp")
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatalf("exec start: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("exec start: %s %s", resp.Status, raw)
	}
	if input != "" {
		if _, err := io.WriteString(conn, input); err != nil {
			t.Fatal(err)
		}
	}
	out, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("exec output after %q: %v", out, err)
	}
	return out
}

// demux splits Docker's multiplexed stream into stdout and stderr.
func demux(t *testing.T, raw []byte) (string, string) {
	t.Helper()
	var out, errs strings.Builder
	for len(raw) >= 8 {
		size := int(binary.BigEndian.Uint32(raw[4:8]))
		if len(raw) < 8+size {
			t.Fatalf("cut stream frame: %q", raw)
		}
		switch raw[0] {
		case 1:
			out.Write(raw[8 : 8+size])
		case 2:
			errs.Write(raw[8 : 8+size])
		}
		raw = raw[8+size:]
	}
	if len(raw) > 0 {
		t.Fatalf("stray bytes after the stream: %q", raw)
	}
	return out.String(), errs.String()
}

// execCreate makes an exec in a container named as users name it.
func execCreate(t *testing.T, hc *http.Client, name string, cfg map[string]any) string {
	t.Helper()
	status, raw := dockerCall(t, hc, "POST", "/v1.41/containers/"+name+"/exec", cfg)
	var created struct{ ID string }
	if err := json.Unmarshal(raw, &created); status != 201 || err != nil || created.ID == "" {
		t.Fatalf("exec create in %s: %d %s", name, status, raw)
	}
	return created.ID
}

func TestDockerSocketAsTheCLIDoesIt(t *testing.T) {
	d := apitest.StartClean(t)
	mine := runningContainer(t, d, "mine")
	wilma := keyFor(t, d, "wilma")
	theirs := runningContainerOf(t, wilma, "theirs")
	hc := dockerHTTP(d.Client)

	status, raw := dockerCall(t, hc, "GET", "/_ping", nil)
	if status != 200 || string(raw) != "OK" {
		t.Fatalf("ping: %d %q", status, raw)
	}

	// Only the caller's container is listed, under the name rancher ps shows.
	status, raw = dockerCall(t, hc, "GET", "/v1.41/containers/json?all=1", nil)
	var list []struct {
		ID    string
		Names []string
	}
	if err := json.Unmarshal(raw, &list); status != 200 || err != nil {
		t.Fatalf("list: %d %s", status, raw)
	}
	if len(list) != 1 || list[0].ID != mine.Str("externalId") ||
		strings.Join(list[0].Names, ",") != "/"+mine.Str("name") {
		t.Fatalf("list shows %+v, want only %s (%s)", list, mine.Str("name"),
			mine.Str("externalId"))
	}

	// The Cattle name resolves to the caller's Docker container.
	status, raw = dockerCall(t, hc, "GET", "/v1.41/containers/"+mine.Str("name")+"/json", nil)
	var info struct{ ID string }
	if err := json.Unmarshal(raw, &info); status != 200 || err != nil ||
		info.ID != mine.Str("externalId") {
		t.Fatalf("inspect own: %d %s", status, raw)
	}

	// Somebody else's container is refused, by name and by Docker id.
	for _, ref := range []string{theirs.Str("name"), theirs.Str("externalId")} {
		status, raw = dockerCall(t, hc, "GET", "/v1.41/containers/"+ref+"/json", nil)
		if msg := dockerMessage(raw); status != 403 ||
			!strings.Contains(msg, "container "+theirs.Str("name")+" is not yours") {
			t.Fatalf("inspect %s: %d %s", ref, status, raw)
		}
	}
	status, raw = dockerCall(t, hc, "POST", "/v1.41/containers/"+theirs.Str("name")+"/exec",
		map[string]any{"Cmd": []string{"id"}, "AttachStdout": true})
	if status != 403 || !strings.Contains(dockerMessage(raw), "is not yours") {
		t.Fatalf("exec into theirs: %d %s", status, raw)
	}

	// docker cp asks with HEAD first: a refusal carries no body, so the next answer on
	// the same connection is read whole.
	headThenPing(t, d.Client, "/v1.41/containers/"+theirs.Str("name")+"/archive?path=/tmp")

	// A command without input: its output, its streams apart, and its exit status.
	id := execCreate(t, hc, mine.Str("name"), map[string]any{"AttachStdout": true,
		"AttachStderr": true, "Cmd": []string{"sh", "-c", "echo out; echo err >&2; exit 3"}})
	stdout, stderr := demux(t, execStart(t, d.Client, id, false, ""))
	if stdout != "out\n" || stderr != "err\n" {
		t.Fatalf("exec output: stdout %q stderr %q", stdout, stderr)
	}
	status, raw = dockerCall(t, hc, "GET", "/v1.41/exec/"+id+"/json", nil)
	var done struct {
		Running  bool
		ExitCode int
	}
	if err := json.Unmarshal(raw, &done); status != 200 || err != nil || done.Running ||
		done.ExitCode != 3 {
		t.Fatalf("exec inspect: %d %s", status, raw)
	}

	// Output too large to pass whole through the Rancher CLI is withheld with a message,
	// and the exit code says so, rather than arriving cut short with 0.
	id = execCreate(t, hc, mine.Str("name"), map[string]any{"AttachStdout": true,
		"AttachStderr": true, "Cmd": []string{"sh", "-c", "seq 1 200000"}})
	stdout, stderr = demux(t, execStart(t, d.Client, id, false, ""))
	if stdout != "" || !strings.Contains(stderr, "more than rancher docker exec without "+
		"-i passes whole") || !strings.Contains(stderr, "spinlocal exec") {
		t.Fatalf("large output: stdout %d bytes, stderr %q", len(stdout), stderr)
	}
	status, raw = dockerCall(t, hc, "GET", "/v1.41/exec/"+id+"/json", nil)
	if err := json.Unmarshal(raw, &done); status != 200 || err != nil || done.ExitCode != 1 {
		t.Fatalf("exec inspect after withheld output: %d %s", status, raw)
	}

	// An interactive shell: input goes in while output comes back.
	id = execCreate(t, hc, mine.Str("name"), map[string]any{"AttachStdin": true,
		"AttachStdout": true, "AttachStderr": true, "Tty": true, "Cmd": []string{"sh"}})
	out := execStart(t, d.Client, id, true, "echo $((6*7))\nexit\n")
	if !strings.Contains(string(out), "\r\n42\r\n") {
		t.Fatalf("interactive exec: %q", out)
	}

	// docker attach first asks to wait for the container's end, and goes on only when the
	// head of that answer has come: it must not wait for the body.
	req, _ := http.NewRequestWithContext(t.Context(), "POST",
		"http://docker/v1.41/containers/"+mine.Str("name")+"/wait", nil)
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("wait: %v %v", resp, err)
	}
	resp.Body.Close()
	// Without input the CLI would close the connection before any output arrives.
	status, raw = dockerCall(t, hc, "POST", "/v1.41/containers/"+mine.Str("name")+
		"/attach?stream=1&stdout=1&stderr=1", nil)
	if status != 403 || !strings.Contains(dockerMessage(raw), "use docker logs -f") {
		t.Fatalf("attach without input: %d %s", status, raw)
	}

	status, raw = dockerCall(t, hc, "POST", "/v1.41/containers/create",
		map[string]any{"Image": apitest.Image()})
	if msg := dockerMessage(raw); status != 403 || !strings.HasPrefix(msg,
		"spinlocal: creating containers is not allowed through rancher docker: ") ||
		!strings.HasSuffix(msg, "; use rancher run or rancher up") {
		t.Fatalf("create: %d %s", status, raw)
	}
	status, raw = dockerCall(t, hc, "POST", "/v1.41/containers/"+mine.Str("name")+"/exec",
		map[string]any{"Cmd": []string{"id"}, "Privileged": true})
	if status != 403 || !strings.Contains(dockerMessage(raw), "privileged exec") {
		t.Fatalf("privileged exec: %d %s", status, raw)
	}
	status, raw = dockerCall(t, hc, "POST", "/v1.41/containers/"+mine.Str("name")+"/exec",
		map[string]any{"Cmd": []string{"id"}, "User": "0"})
	if status != 403 || !strings.Contains(dockerMessage(raw), "exec as user 0") {
		t.Fatalf("exec as root: %d %s", status, raw)
	}
	status, raw = dockerCall(t, hc, "POST", "/v1.41/containers/"+mine.Str("name")+"/stop", nil)
	if msg := dockerMessage(raw); status != 403 ||
		!strings.HasSuffix(msg, "; use rancher stop "+mine.Str("name")) {
		t.Fatalf("stop: %d %s", status, raw)
	}
}

func TestDockerSocketTokens(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	host, err := c.Get(t.Context(), c.ProjectURL()+"/hosts/1h1")
	if err != nil {
		t.Fatal(err)
	}
	var access struct{ URL, Token string }
	err = c.Do(t.Context(), "POST", host.Action("dockersocket"), json.RawMessage("null"),
		&access)
	if err != nil {
		t.Fatal(err)
	}
	wilma := keyFor(t, d, "wilma")
	basic := func(c *client.Client) http.Header {
		raw := base64.StdEncoding.EncodeToString([]byte(c.AccessKey + ":" + c.SecretKey))
		return http.Header{"Authorization": {"Basic " + raw}}
	}
	u := access.URL + "?token=" + access.Token

	// Another user's credentials do not go with the token, and spend it.
	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), u, basic(wilma))
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("dial with wilma's key: %v %v", resp, err)
	}
	_, resp, err = websocket.DefaultDialer.DialContext(t.Context(), u, basic(c))
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("dial with a spent token: %v %v", resp, err)
	}
	conn, err := dockerSocket(t.Context(), c)
	if err != nil {
		t.Fatalf("dial with a fresh token: %v", err)
	}
	conn.Close()
}

func TestDockerSocketFollowsLogs(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	lc := sleeper()
	lc["command"] = []string{"sh", "-c",
		"trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"}
	svc := createService(t, c, createStack(t, c, "ticks"), "tick", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	name := instances(t, c, svc)[0].Str("name")

	// docker logs -f: the answer never ends, so every line seen arrived while it streamed.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://docker/v1.41/containers/"+
		name+"/logs?follow=1&stdout=1&stderr=1&tail=1", nil)
	resp, err := dockerHTTP(c).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var seen strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(seen.String(), "tick") ||
		strings.Count(seen.String(), "\n") < 3 {
		n, err := resp.Body.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("follow ended after %q: %v", seen.String(), err)
		}
	}
}

// headThenPing sends a HEAD and a ping on one connection and checks that the HEAD is
// refused and the ping's answer follows it cleanly.
func headThenPing(t *testing.T, c *client.Client, path string) {
	t.Helper()
	conn, err := dockerSocket(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	head, _ := http.NewRequest(http.MethodHead, "http://docker"+path, nil)
	ping, _ := http.NewRequest(http.MethodGet, "http://docker/_ping", nil)
	for _, req := range []*http.Request{head, ping} {
		if err := req.Write(conn); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, head)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.ReadResponse(br, ping)
	if err != nil {
		t.Fatalf("the answer after a refused HEAD: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "OK" {
		t.Fatalf("ping after a refused HEAD: %s %q", resp.Status, body)
	}
}
