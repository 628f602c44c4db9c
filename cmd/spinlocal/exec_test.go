package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// deploySleeper runs one container of stack/sh that sleeps until stopped.
func deploySleeper(t testing.TB, d *apitest.Daemon, stack string) {
	t.Helper()
	// The stack belongs to the user `spinlocal exec` acts as (the login name): exec is a
	// change, allowed to the stack's owner only.
	access, secret, err := d.Emu.CreateKey(clientUser())
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := client.New(d.Server.URL, access, secret), t.Context()
	c.Project = d.Client.Project
	st, err := c.Create(ctx, "stacks", map[string]any{"name": stack})
	if err != nil {
		t.Fatal(err)
	}
	lc := map[string]any{"imageUuid": "docker:" + apitest.Image(), "networkMode": "managed",
		"command": []string{"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"}}
	svc, err := c.Create(ctx, "services", map[string]any{"name": "sh", "stackId": st.Str("id"),
		"scale": 1, "launchConfig": lc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(ctx, svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		items, err := c.List(ctx, "services/"+svc.Str("id")+"/instances", nil)
		if err != nil || len(items) == 0 || items[0].Str("state") != "running" {
			return apitest.Errf("no running container yet: %v", err)
		}
		return ""
	})
}

// runExecApp runs `spinlocal exec` in-process with stdin and returns stdout, stderr and the
// exit status it asked for.
func runExecApp(t testing.TB, d *apitest.Daemon, stdin io.Reader, args ...string) (string,
	string, int, error) {
	t.Helper()
	code := 0
	old := cli.OsExiter
	cli.OsExiter = func(c int) { code = c }
	defer func() { cli.OsExiter = old }()
	var stdout, stderr bytes.Buffer
	app := newApp()
	app.Reader, app.Writer, app.ErrWriter = stdin, &stdout, &stderr
	argv := append([]string{"spinlocal", "exec", "--url", d.Server.URL, "--state-dir",
		d.StateDir}, args...)
	err := app.RunContext(t.Context(), argv)
	return stdout.String(), stderr.String(), code, err
}

func TestExecPipesLargeInputByteExact(t *testing.T) {
	d := apitest.StartClean(t)
	deploySleeper(t, d, "pipe")
	const size = 100 << 20
	rng := rand.NewChaCha8([32]byte{7})
	h := sha256.New()
	in := io.TeeReader(io.LimitReader(rng, size), h)

	start := time.Now()
	out, errOut, code, err := runExecApp(t, d, in, "-i", "pipe/sh", "sha256sum")
	took := time.Since(start)
	if err != nil || code != 0 {
		t.Fatalf("exec: %v, status %d, stderr %q", err, code, errOut)
	}
	want := hex.EncodeToString(h.Sum(nil)) + "  -\n"
	if out != want {
		t.Fatalf("sha256sum in the container printed %q, want %q", out, want)
	}
	t.Logf("100 MiB through spinlocal exec -i in %s: %.0f MiB/s", took.Round(time.Millisecond),
		float64(size>>20)/took.Seconds())
}

func TestExecPropagatesExitStatus(t *testing.T) {
	d := apitest.StartClean(t)
	deploySleeper(t, d, "status")

	out, errOut, code, err := runExecApp(t, d, strings.NewReader(""), "status/sh",
		"sh", "-c", "echo out; echo err >&2; exit 7")
	if err != nil || code != 7 || out != "out\n" || errOut != "err\n" {
		t.Fatalf("exit 7: err %v, status %d, stdout %q, stderr %q", err, code, out, errOut)
	}
	// By container name, with stdin: cat echoes it and ends at EOF with status 0.
	out, _, code, err = runExecApp(t, d, strings.NewReader("hello\n"), "-i", "status-sh-1",
		"cat")
	if err != nil || code != 0 || out != "hello\n" {
		t.Fatalf("cat: err %v, status %d, stdout %q", err, code, out)
	}
	// A terminal with piped input is refused, as docker exec -it does.
	_, _, _, err = runExecApp(t, d, strings.NewReader(""), "-it", "status/sh", "true")
	if err == nil || !strings.Contains(err.Error(), "not a terminal") {
		t.Fatalf("-it with a pipe: %v", err)
	}
	_, _, _, err = runExecApp(t, d, strings.NewReader(""), "status/nope", "true")
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown service: %v", err)
	}
}
