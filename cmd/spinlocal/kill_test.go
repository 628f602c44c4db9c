package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// serveProcess runs `spinlocal serve` as a real process, as a user would.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
}

func startServe(t *testing.T, bin, stateDir, listen, prefix string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", listen, "--state-dir", stateDir,
		"--network-prefix", prefix, "--daemon-config", writeAuditOff(t, stateDir),
		"--dns-listen", "127.0.0.1:0", "--proxy-http-listen", "127.0.0.1:0",
		"--proxy-https-listen", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, base: "http://" + listen}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	apitest.Eventually(t, 20*time.Second, func() string {
		if !client.Healthy(t.Context(), p.base) {
			return "daemon not answering"
		}
		return ""
	})
	return p
}

// writeAuditOff writes a daemon config that turns every audit rule off.
func writeAuditOff(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("audit:\n")
	for id := range apitest.AuditOff().Levels {
		fmt.Fprintf(&b, "  %s: off\n", id)
	}
	path := filepath.Join(dir, "test-config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A daemon killed with SIGKILL while it creates containers loses nothing: after a
// restart on the same state dir the stack, service, key and ids are there, and Docker
// holds exactly the wanted containers, none twice.
func TestKilledDaemonLosesNothing(t *testing.T) {
	eng := apitest.Docker(t)
	requireImagesOn(t, eng, apitest.Image())
	bin := filepath.Join(t.TempDir(), "spinlocal")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	state := t.TempDir()
	listen := fmt.Sprintf("127.0.0.1:%d", apitest.FreePort(t))
	prefix := fmt.Sprintf("slkill%d", os.Getpid())
	d := startServe(t, bin, state, listen, prefix)

	tok, err := os.ReadFile(emulator.AdminTokenPath(state))
	if err != nil {
		t.Fatal(err)
	}
	access, secret, err := client.MintKey(t.Context(), d.base, string(tok), "elvis")
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(d.base, access, secret)
	if err := c.UseEnvironment(t.Context(), "dev-cattle"); err != nil {
		t.Fatal(err)
	}
	stack, err := c.Create(t.Context(), "stacks", map[string]any{"name": "crash"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := c.Create(t.Context(), "services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "scale": 3, "launchConfig": map[string]any{
			"imageUuid": "docker:" + apitest.Image(), "command": []string{"sleep", "600"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	// Kill it while the reconciler works on the three containers.
	time.Sleep(150 * time.Millisecond)
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = d.cmd.Wait()

	d = startServe(t, bin, state, listen, prefix)
	daemonID := healthDaemonID(t, d.base)
	t.Cleanup(func() {
		// Stop the daemon first, or its reconciler recreates what the cleanup removes.
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		apitest.Cleanup(t, eng, daemonID, prefix)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	got, err := c.WaitSettled(ctx, svc, 200*time.Millisecond)
	for err == nil && (got.Str("state") != "active" || got.Str("healthState") != "healthy") {
		time.Sleep(200 * time.Millisecond)
		got, err = c.Get(ctx, svc.Link("self"))
	}
	if err != nil {
		t.Fatalf("service after restart: %v", err)
	}
	if got.Str("id") != svc.Str("id") {
		t.Fatalf("service id changed: %s", got.Str("id"))
	}
	// A create the killed process left in flight may finish after the restart; the
	// reconciler removes what no record claims, so Docker converges on one of each.
	want := fmt.Sprint(map[string]int{"crash-web-1": 1, "crash-web-2": 1, "crash-web-3": 1})
	apitest.Eventually(t, 30*time.Second, func() string {
		list, err := eng.List(t.Context(), map[string]string{engine.LabelDaemon: daemonID})
		if err != nil {
			return err.Error()
		}
		names := map[string]int{}
		for _, s := range list {
			names[s.Labels["io.rancher.container.name"]]++
		}
		if got := fmt.Sprint(names); got != want {
			return "docker containers after the crash: " + got + ", want " + want
		}
		return ""
	})
	next, err := c.Create(t.Context(), "stacks", map[string]any{"name": "after"})
	if err != nil || next.Str("id") == stack.Str("id") {
		t.Fatalf("ids after the crash: %v %v", next.Str("id"), err)
	}
}

func healthDaemonID(t *testing.T, base string) string {
	t.Helper()
	c := client.New(base, "", "")
	var h struct{ Daemon string }
	if err := c.Do(t.Context(), http.MethodGet, base+"/healthz", nil, &h); err != nil {
		t.Fatal(err)
	}
	return h.Daemon
}

func requireImagesOn(t *testing.T, eng *engine.Docker, images ...string) {
	t.Helper()
	for _, img := range images {
		if !eng.HasImage(t.Context(), img) {
			if os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1" {
				t.Fatalf("image %s missing: run scripts/build-images.sh", img)
			}
			t.Skipf("image %s missing: run scripts/build-images.sh", img)
		}
	}
}
