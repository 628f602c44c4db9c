package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// runApp runs the app in-process with stdin and returns its output and the exit status
// main would give.
func runApp(t *testing.T, stdin io.Reader, args ...string) (string, int, error) {
	t.Helper()
	var out bytes.Buffer
	app := newApp()
	app.Reader, app.Writer, app.ErrWriter = stdin, &out, &out
	err := app.RunContext(t.Context(), append([]string{"spinlocal"}, args...))
	return out.String(), exitCode(err, io.Discard), err
}

// writeProject writes a compose project (and a rancher-compose.yml when given) into a
// directory named stack and returns the compose file.
func writeProject(t *testing.T, stack, compose, rancher string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), stack)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"docker-compose.yml": compose}
	if rancher != "" {
		files["rancher-compose.yml"] = rancher
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "docker-compose.yml")
}

// webProject is a busybox web server on port with a TCP health check, which serves
// hello-run at /.
func webProject(t *testing.T, stack string, port int) string {
	compose := fmt.Sprintf("version: '2'\nservices:\n  web:\n    image: %s\n"+
		"    command: [sh, -c, 'mkdir -p /tmp/www && echo hello-run > /tmp/www/index.html "+
		"&& exec httpd -f -p 8080 -h /tmp/www']\n    ports: ['%d:8080']\n", apitest.Image(),
		port)
	rancher := "version: '2'\nservices:\n  web:\n    health_check:\n      port: 8080\n" +
		"      interval: 500\n      response_timeout: 500\n      healthy_threshold: 1\n" +
		"      unhealthy_threshold: 2\n      initializing_timeout: 20000\n" +
		"      strategy: none\n"
	return writeProject(t, stack, compose, rancher)
}

// daemonArgs point a client command at the test daemon.
func daemonArgs(d *apitest.Daemon) []string {
	return []string{"--url", d.Server.URL, "--state-dir", d.StateDir}
}

// requireNoStacks fails when the daemon has a live stack or a container in Docker.
func requireNoStacks(t *testing.T, d *apitest.Daemon) {
	t.Helper()
	if stacks, err := d.Client.List(t.Context(), "stacks", nil); err != nil ||
		len(stacks) != 0 {
		t.Errorf("stacks left: %v %v", stacks, err)
	}
	list, err := d.Engine.List(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID()})
	if err != nil || len(list) != 0 {
		t.Errorf("containers left: %v %v", list, err)
	}
}

// TestRunHelperGet is not a test: run starts the test binary as its COMMAND with it. It
// fetches $SPINLOCAL_WEB_URL/ and exits 3 when the page says hello-run.
func TestRunHelperGet(t *testing.T) {
	if os.Getenv("SPINLOCAL_RUN_HELPER") != "1" {
		t.Skip("helper process of TestRunPassesEndpointsAndStatus")
	}
	resp, err := http.Get(os.Getenv("SPINLOCAL_WEB_URL") + "/")
	if err != nil {
		fmt.Println("get:", err)
		os.Exit(4)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("page: %s", body)
	fmt.Printf("env: %s %s %s\n", os.Getenv("SPINLOCAL_WEB_HOST"),
		os.Getenv("SPINLOCAL_WEB_PORT"), os.Getenv("SPINLOCAL_STACK"))
	if !strings.Contains(string(body), "hello-run") {
		os.Exit(5)
	}
	os.Exit(3)
}

func TestRunPassesEndpointsAndStatus(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	port := apitest.FreePort(t)
	file := webProject(t, "runweb", port)
	t.Setenv("SPINLOCAL_RUN_HELPER", "1")
	args := append([]string{"run", "-f", file}, daemonArgs(d)...)
	args = append(args, "--", os.Args[0], "-test.run=^TestRunHelperGet$")
	out, code, err := runApp(t, strings.NewReader(""), args...)
	if code != 3 {
		t.Fatalf("status %d (%v), want the command's 3:\n%s", code, err, out)
	}
	for _, want := range []string{"page: hello-run",
		fmt.Sprintf("SPINLOCAL_WEB_URL=http://127.0.0.1:%d", port),
		fmt.Sprintf("env: 127.0.0.1 %d runweb", port), "Removed stack runweb"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	requireNoStacks(t, d)
}

func TestRunCommandNotFoundDeploysNothing(t *testing.T) {
	d := apitest.StartClean(t)
	file := webProject(t, "nocmd", apitest.FreePort(t))
	args := append([]string{"run", "-f", file}, daemonArgs(d)...)
	out, code, err := runApp(t, strings.NewReader(""),
		append(args, "--", "spinlocal-no-such-command", "x")...)
	if code != exitNotFound || err == nil ||
		!strings.Contains(err.Error(), `command "spinlocal-no-such-command" not found`) {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	requireNoStacks(t, d)

	out, code, err = runApp(t, strings.NewReader(""), append(args, "--")...)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "after --") {
		t.Fatalf("no command: status %d, err %v:\n%s", code, err, out)
	}
}

// A stack that never gets healthy fails run with the service's state and logs, without
// running the command, and is removed.
func TestRunTearsDownAStackThatIsNotReady(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "sick", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sh, -c, 'echo hello-from-app; sleep 600']\n",
		sickHealthCheck)
	args := append([]string{"run", "-f", file, "--timeout", "4s"}, daemonArgs(d)...)
	out, code, err := runApp(t, strings.NewReader(""),
		append(args, "--", "sh", "-c", "echo command-ran")...)
	if code != 1 || err == nil {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	for _, want := range []string{"stack sick is not ready", "service app:",
		"hello-from-app"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(out, "command-ran") || !strings.Contains(out, "Removed stack sick") {
		t.Errorf("output:\n%s", out)
	}
	requireNoStacks(t, d)
}

// Ctrl-C (here SIGINT from the command itself, as CI sends it) reaches the command, and
// the stack is still removed; run exits with the command's status.
func TestRunRelaysInterruptAndTearsDown(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "intr", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n", "")
	args := append([]string{"run", "-f", file}, daemonArgs(d)...)
	script := `trap 'echo got-int; exit 42' INT; kill -INT $PPID; sleep 5 >/dev/null 2>&1 & wait`
	out, code, err := runApp(t, strings.NewReader(""), append(args, "--", "sh", "-c",
		script)...)
	var ec cli.ExitCoder
	if code != 42 || !errors.As(err, &ec) || !strings.Contains(out, "got-int") {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	if !strings.Contains(out, "Removed stack intr") {
		t.Errorf("no teardown:\n%s", out)
	}
	requireNoStacks(t, d)
}

func TestUpperSnake(t *testing.T) {
	for in, want := range map[string]string{"web": "WEB", "web-api": "WEB_API",
		"db2": "DB2", "a.b": "A_B"} {
		if got := upperSnake(in); got != want {
			t.Errorf("upperSnake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExitCode(t *testing.T) {
	cases := []struct {
		err  error
		code int
		out  string
	}{
		{nil, 0, ""},
		{errors.New("boom"), 1, "spinlocal: boom\n"},
		{cli.Exit("", 3), 3, ""},
		{cli.Exit("not found", 127), 127, "spinlocal: not found\n"},
		{fmt.Errorf("wrapped: %w", cli.Exit("gone", 4)), 4, "spinlocal: wrapped: gone\n"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		if code := exitCode(c.err, &out); code != c.code || out.String() != c.out {
			t.Errorf("exitCode(%v) = %d, %q; want %d, %q", c.err, code, out.String(),
				c.code, c.out)
		}
	}
}

// A stack deployed before (make demo's, say) is not run's: run refuses to start and leaves
// it running, unless --replace lets it take the stack over and remove it at the end.
func TestRunLeavesAStackDeployedBeforeAlone(t *testing.T) {
	d := apitest.StartClean(t)
	file := writeProject(t, "mine", "version: '2'\nservices:\n  web:\n    image: "+
		apitest.Image()+"\n    command: "+apitest.IdleCommand+"\n", "")
	if out, err := run(t, append([]string{"up", "-d", "-f", file}, daemonArgs(d)...)...); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	args := append([]string{"run", "-f", file}, daemonArgs(d)...)
	out, code, err := runApp(t, strings.NewReader(""), append(args, "--", "true")...)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "already deployed") ||
		!strings.Contains(err.Error(), "nothing was deployed") {
		t.Fatalf("run over an existing stack: status %d, err %v:\n%s", code, err, out)
	}
	if st, err := d.Client.FindByName(t.Context(), "stacks", "mine", nil); err != nil ||
		st == nil {
		t.Fatalf("the stack deployed before is gone: %v", err)
	}
	out, code, err = runApp(t, strings.NewReader(""),
		append(args, "--replace", "--", "true")...)
	if code != 0 || err != nil {
		t.Fatalf("run --replace: status %d, err %v:\n%s", code, err, out)
	}
	requireNoStacks(t, d)
}
