package fakeapi_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// startDockerExec makes an exec through the dockersocket as the docker client does and
// starts it on a connection of its own, which it returns without reading the answer.
func startDockerExec(t *testing.T, c *client.Client, name string, cfg map[string]any) (
	net.Conn, string) {
	t.Helper()
	id := execCreate(t, dockerHTTP(c), name, cfg)
	conn, err := dockerSocket(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"Detach": false, "Tty": cfg["Tty"] == true})
	req, _ := http.NewRequest("POST", "http://docker/v1.41/exec/"+id+"/start",
		bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "tcp")
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	return conn, id
}

// environOf returns the environment of the processes in ct whose command line is cmd.
func environOf(t *testing.T, c *client.Client, ct client.Resource, cmd string) string {
	t.Helper()
	out, ce := runCLI(t, c, ct, false, "sh", "-c", `for p in /proc/[0-9]*; do
	  [ "$(tr '\0' ' ' < $p/cmdline 2>/dev/null)" = "$1 " ] && tr '\0' '\n' < $p/environ
	done; true`, "sh", cmd)
	if ce.Code != 1000 {
		t.Fatalf("read the environment of %s: %q %v", cmd, out, ce)
	}
	return out
}

// waitRunning waits until ps in ct lists every command of procs.
func waitRunning(t *testing.T, c *client.Client, ct client.Resource, procs ...string) {
	t.Helper()
	apitest.Eventually(t, 15*time.Second, func() string {
		for _, p := range procs {
			if !running(t, c, ct, p) {
				return p + " not running yet"
			}
		}
		return ""
	})
}

// A daemon killed while commands it exec'd ran ends them when it starts again: their
// clients may be gone, and nothing else would. The commands the new run execs are left.
func TestExecLeftByAKilledDaemonEndsOnStart(t *testing.T) {
	d := apitest.Start(t, "")
	id, prefix, eng := d.Emu.DaemonID(), d.Prefix, d.Engine
	t.Cleanup(func() { apitest.Cleanup(t, eng, id, prefix) })
	ct := runningContainer(t, d, "stale")
	name := ct.Str("name")

	// rancher exec -it, and rancher docker exec with and without -i: their clients stay
	// connected to the old daemon, which stops without ending anything, as when killed.
	cli := dial(t, execURL(t, d.Client, ct, cliBody(true, "sleep", "4441")))
	defer cli.Close()
	held, _ := startDockerExec(t, d.Client, name, map[string]any{"AttachStdout": true,
		"AttachStderr": true, "Cmd": []string{"sleep", "4442"}})
	defer held.Close()
	tty, _ := startDockerExec(t, d.Client, name, map[string]any{"AttachStdin": true,
		"AttachStdout": true, "AttachStderr": true, "Tty": true,
		"Cmd": []string{"sleep", "4443"}})
	defer tty.Close()
	stale := []string{"sleep 4441", "sleep 4442", "sleep 4443"}
	waitRunning(t, d.Client, ct, stale...)
	d.Stop()

	d2 := apitest.Start(t, d.StateDir)
	t.Cleanup(d2.Stop)
	ct2, err := d2.Client.Get(t.Context(), d2.Client.ProjectURL()+"/containers/"+
		ct.Str("id"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := dial(t, execURL(t, d2.Client, ct2, cliBody(true, "sleep", "4444")))
	defer fresh.Close()
	apitest.Eventually(t, 20*time.Second, func() string {
		for _, p := range stale {
			if running(t, d2.Client, ct2, p) {
				return p + " still runs after the restart"
			}
		}
		return ""
	})
	waitRunning(t, d2.Client, ct2, "sleep 4444")
	if env := environOf(t, d2.Client, ct2, "sleep 4444"); !strings.Contains(env,
		"\nSPINLOCAL_EXEC_RUN=") {
		t.Fatalf("a command of rancher exec carries no run tag:\n%s", env)
	}
	if !strings.Contains(d2.Log(), "ended commands an earlier run of the daemon exec'd") {
		t.Errorf("the sweep logged nothing:\n%s", d2.Log())
	}
	time.Sleep(time.Second)
	if !running(t, d2.Client, ct2, "sleep 4444") {
		t.Fatal("the sweep ended a command of the new run")
	}
}

// A command started through rancher docker exec is tagged as rancher exec's are, and
// ends when its client goes away, with or without -i. docker exec -d is not tagged: it
// runs in the background by design.
func TestDockerExecEndsWhenItsClientLeaves(t *testing.T) {
	d := apitest.StartClean(t)
	ct := runningContainer(t, d, "dexec")
	name := ct.Str("name")
	cases := []struct {
		name string
		cfg  map[string]any
		proc string
	}{
		{"without-input", map[string]any{"AttachStdout": true, "AttachStderr": true,
			"Cmd": []string{"sleep", "5551"}}, "sleep 5551"},
		{"tty", map[string]any{"AttachStdin": true, "AttachStdout": true,
			"AttachStderr": true, "Tty": true, "Env": []string{"KEEP=1"},
			"Cmd": []string{"sleep", "5552"}}, "sleep 5552"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, _ := startDockerExec(t, d.Client, name, tc.cfg)
			waitRunning(t, d.Client, ct, tc.proc)
			env := environOf(t, d.Client, ct, tc.proc)
			if !strings.Contains(env, "\nSPINLOCAL_EXEC=") ||
				!strings.Contains(env, "\nSPINLOCAL_EXEC_RUN=") {
				t.Fatalf("%s is not tagged:\n%s", tc.proc, env)
			}
			if tc.cfg["Env"] != nil && !strings.Contains(env, "\nKEEP=1\n") {
				t.Fatalf("%s lost its own environment:\n%s", tc.proc, env)
			}
			// Like the CLI killed with SIGKILL: no close frame.
			conn.Close()
			apitest.Eventually(t, 15*time.Second, func() string {
				if running(t, d.Client, ct, tc.proc) {
					return tc.proc + " still running"
				}
				return ""
			})
		})
	}

	hc := dockerHTTP(d.Client)
	id := execCreate(t, hc, name, map[string]any{"Detach": true,
		"Cmd": []string{"sleep", "5553"}})
	status, raw := dockerCall(t, hc, "POST", "/v1.41/exec/"+id+"/start",
		map[string]any{"Detach": true})
	if status != 200 {
		t.Fatalf("detached start: %d %s", status, raw)
	}
	waitRunning(t, d.Client, ct, "sleep 5553")
	if env := environOf(t, d.Client, ct, "sleep 5553"); strings.Contains(env,
		"SPINLOCAL_EXEC") {
		t.Fatalf("a detached exec is tagged:\n%s", env)
	}
	time.Sleep(3 * time.Second)
	if !running(t, d.Client, ct, "sleep 5553") {
		t.Fatal("a detached exec was ended")
	}
}
