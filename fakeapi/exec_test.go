package fakeapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/fakeapi"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// runningContainer deploys one sleeper and returns its container.
func runningContainer(t *testing.T, d *apitest.Daemon, stackName string) client.Resource {
	t.Helper()
	return runningContainerOf(t, d.Client, stackName)
}

// runningContainerOf deploys one sleeper in a stack of c's user.
func runningContainerOf(t *testing.T, c *client.Client, stackName string) client.Resource {
	t.Helper()
	svc := createService(t, c, createStack(t, c, stackName), "sh", sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	ct := instances(t, c, svc)[0]
	if ct.Action("execute") == "" {
		t.Fatalf("running container offers no execute: %v", ct["actions"])
	}
	return ct
}

// execURL asks for an exec token as the CLI does and returns the URL it dials.
func execURL(t *testing.T, c *client.Client, ct client.Resource, body map[string]any) string {
	t.Helper()
	var access struct{ Type, URL, Token string }
	if err := c.Do(t.Context(), "POST", ct.Action("execute"), body, &access); err != nil {
		t.Fatalf("execute: %v", err)
	}
	if access.Type != "hostAccess" || !strings.HasSuffix(access.URL, "/v1/exec/") {
		t.Fatalf("execute reply: %+v", access)
	}
	return access.URL + "?token=" + access.Token
}

// dial opens the websocket without credentials, as the CLI does.
func dial(t *testing.T, u string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.DialContext(t.Context(), u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	return conn
}

func cliBody(tty bool, cmd ...string) map[string]any {
	return map[string]any{"attachStdin": true, "attachStdout": true, "command": cmd,
		"tty": tty}
}

// readCLI collects the output of base64 text frames, decoding each on its own as the CLI
// does, until the daemon closes; it returns the output and the close.
func readCLI(t *testing.T, conn *websocket.Conn, until string) (string,
	*websocket.CloseError) {
	t.Helper()
	var out strings.Builder
	for {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		typ, msg, err := conn.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return out.String(), ce
		}
		if err != nil {
			t.Fatalf("read after %q: %v", out.String(), err)
		}
		raw, err := base64.StdEncoding.DecodeString(string(msg))
		if typ != websocket.TextMessage || err != nil {
			t.Fatalf("frame %q (type %d) is not standard base64: %v", msg, typ, err)
		}
		out.Write(raw)
		if until != "" && strings.Contains(out.String(), until) {
			return out.String(), nil
		}
	}
}

// typeKeys sends s one byte per frame, as the CLI does in raw mode.
func typeKeys(t *testing.T, conn *websocket.Conn, s string) {
	t.Helper()
	for i := range len(s) {
		frame := base64.StdEncoding.EncodeToString([]byte{s[i]})
		if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
			t.Fatalf("send key: %v", err)
		}
	}
}

// runCLI runs cmd as the CLI would, without input, and returns its output and close.
func runCLI(t *testing.T, c *client.Client, ct client.Resource, tty bool, cmd ...string) (
	string, *websocket.CloseError) {
	t.Helper()
	conn := dial(t, execURL(t, c, ct, cliBody(tty, cmd...)))
	defer conn.Close()
	return readCLI(t, conn, "")
}

func TestExecAsTheCLIDoesIt(t *testing.T) {
	d := apitest.StartClean(t)
	ct := runningContainer(t, d, "exec")

	// The CLI exits 0 only on a close that reads "close 1000 (normal)": no reason.
	out, ce := runCLI(t, d.Client, ct, true, "sh", "-c", "echo out; echo err >&2; exit 3")
	if out != "out\r\nerr\r\n" || ce == nil || ce.Error() != "websocket: close 1000 (normal)" {
		t.Fatalf("tty exec: output %q, close %v", out, ce)
	}
	out, ce = runCLI(t, d.Client, ct, false, "sh", "-c", "printf 'a\\nb'")
	if out != "a\nb" || ce.Code != 1000 || ce.Text != "" {
		t.Fatalf("pipe exec: output %q, close %v", out, ce)
	}

	// Base64 frames of any size work, not only the CLI's one-byte ones.
	data := make([]byte, 300<<10)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	conn := dial(t, execURL(t, d.Client, ct, cliBody(false, "sh", "-c",
		"head -c 307200 | sha256sum")))
	defer conn.Close()
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(100<<10))
		frame := base64.StdEncoding.EncodeToString(rest[:n])
		if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	sum := sha256.Sum256(data)
	if out, ce := readCLI(t, conn, ""); out != hex.EncodeToString(sum[:])+"  -\n" {
		t.Fatalf("sha256sum of base64 frames: %q, close %v", out, ce)
	}

	// Tokens are single-use.
	u := execURL(t, d.Client, ct, cliBody(false, "true"))
	dial(t, u).Close()
	if _, resp, err := websocket.DefaultDialer.Dial(u, nil); err == nil || resp == nil ||
		resp.StatusCode != 401 {
		t.Fatalf("second use of a token: %v %v", resp, err)
	}
}

func TestExecTypedByteByByte(t *testing.T) {
	d := apitest.StartClean(t)
	ct := runningContainer(t, d, "keys")
	conn := dial(t, execURL(t, d.Client, ct, cliBody(true)))
	defer conn.Close()

	typeKeys(t, conn, "echo $((6*7))\r")
	if out, ce := readCLI(t, conn, "\r\n42\r\n"); ce != nil {
		t.Fatalf("shell closed early: %q %v", out, ce)
	}
	typeKeys(t, conn, "stty size; exit 4\r")
	out, ce := readCLI(t, conn, "")
	if !strings.Contains(out, "24 80") || ce == nil || ce.Code != 1000 {
		t.Fatalf("after exit: output %q, close %v", out, ce)
	}
}

func TestExecClientThatLeavesEndsTheCommand(t *testing.T) {
	d := apitest.StartClean(t)
	ct := runningContainer(t, d, "leave")
	cases := []struct {
		name     string
		tty      bool
		cmd      []string
		proc     string // the ps COMMAND of the exec's process
		holdOpen bool   // wait until the command runs before leaving
	}{
		{"tty-shell-at-once", true, nil, "sh", false},
		{"tty-shell", true, nil, "sh", true},
		{"tty-sleep", true, []string{"sleep", "4242"}, "sleep 4242", true},
		{"pipe-sleep", false, []string{"sleep", "4243"}, "sleep 4243", true},
		{"pipe-cat", false, []string{"cat"}, "cat", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := dial(t, execURL(t, d.Client, ct, cliBody(tc.tty, tc.cmd...)))
			if tc.holdOpen {
				apitest.Eventually(t, 10*time.Second, func() string {
					if !running(t, d.Client, ct, tc.proc) {
						return tc.proc + " not running yet"
					}
					return ""
				})
			}
			// Like the CLI failing with "provided file is not a console": no close frame.
			conn.Close()
			apitest.Eventually(t, 15*time.Second, func() string {
				if running(t, d.Client, ct, tc.proc) {
					return tc.proc + " still running"
				}
				return ""
			})
		})
	}
	apitest.Eventually(t, 10*time.Second, func() string {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, f := range []string{"execRelay", "stdinQueue", "execSession", "execWriter"} {
			if strings.Contains(stacks, f) {
				return "a goroutine still runs " + f
			}
		}
		return ""
	})
}

// running reports whether ps in the container lists a process whose command is proc.
func running(t *testing.T, c *client.Client, ct client.Resource, proc string) bool {
	t.Helper()
	out, ce := runCLI(t, c, ct, false, "ps")
	if ce.Code != 1000 {
		t.Fatalf("ps: %q %v", out, ce)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.Join(f[2:], " ") == proc {
			return true
		}
	}
	return false
}

func TestExecSpinlocalFrames(t *testing.T) {
	d := apitest.StartClean(t)
	ct := runningContainer(t, d, "frames")

	// Binary stdin in frames of many sizes, EOF, stderr apart, exit status.
	u := execURL(t, d.Client, ct, cliBody(false, "sh", "-c",
		"sha256sum; echo done >&2; exit 2"))
	conn := dial(t, u+"&spinlocal=1")
	defer conn.Close()
	data := make([]byte, 3<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(200<<10))
		frame := append([]byte{fakeapi.ExecStdin}, rest[:n]...)
		if err := conn.WriteMessage(websocket.BinaryMessage, frame); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, []byte{fakeapi.ExecEOF}); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, ce := readFrames(t, conn, nil)
	sum := sha256.Sum256(data)
	if stdout != hex.EncodeToString(sum[:])+"  -\n" || stderr != "done\n" || ce.Text != "exit 2" {
		t.Fatalf("stdout %q stderr %q close %v", stdout, stderr, ce)
	}

	// A missing program ends with the shell's status for it.
	conn = dial(t, execURL(t, d.Client, ct, cliBody(true, "no-such-program"))+"&spinlocal=1")
	defer conn.Close()
	if _, _, ce := readFrames(t, conn, nil); ce.Text != "exit 126" && ce.Text != "exit 127" {
		t.Fatalf("missing program: close %v", ce)
	}

	// Terminal size at start and after a resize frame.
	// On engines before API 1.42 the first size lands just after the start: the command
	// waits for a line before asking.
	u = execURL(t, d.Client, ct, cliBody(true, "sh", "-c",
		"read x; stty size; read x; stty size"))
	conn = dial(t, u+"&spinlocal=1&cols=100&rows=30")
	defer conn.Close()
	if err := conn.WriteMessage(websocket.BinaryMessage, []byte{fakeapi.ExecStdin,
		'\r'}); err != nil {
		t.Fatal(err)
	}
	stdout, _, _ = readFrames(t, conn, []byte("30 100\r\n"))
	resize := []byte{fakeapi.ExecResize, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(resize[1:], 120)
	binary.BigEndian.PutUint16(resize[3:], 40)
	for _, f := range [][]byte{resize, {fakeapi.ExecStdin, '\r'}} {
		if err := conn.WriteMessage(websocket.BinaryMessage, f); err != nil {
			t.Fatal(err)
		}
	}
	more, _, ce := readFrames(t, conn, nil)
	if !strings.Contains(more, "40 120") || ce.Text != "exit 0" {
		t.Fatalf("after resize: %q then %q, close %v", stdout, more, ce)
	}
}

// readFrames reads spinlocal binary frames until the close, or until stdout has until.
func readFrames(t *testing.T, conn *websocket.Conn, until []byte) (string, string,
	*websocket.CloseError) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	for {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		typ, msg, err := conn.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return stdout.String(), stderr.String(), ce
		}
		if err != nil || typ != websocket.BinaryMessage || len(msg) == 0 {
			t.Fatalf("frame type %d %q: %v", typ, msg, err)
		}
		if msg[0] == fakeapi.ExecStderr {
			stderr.Write(msg[1:])
		} else {
			stdout.Write(msg[1:])
		}
		if until != nil && bytes.Contains(stdout.Bytes(), until) {
			return stdout.String(), stderr.String(), nil
		}
	}
}
