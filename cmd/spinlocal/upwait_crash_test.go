package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// up --wait on a service whose container exits at once every time (a crash loop) fails
// at the timeout naming the service and how its container exited, and never reports it
// healthy; the healthy service beside it is not reported. The daemon starts the
// container again with a growing delay rather than in a tight loop, and run does not run
// its command.
func TestUpWaitFailsOnACrashLoop(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "crashy", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sh, -c, 'echo boom-from-app; exit 3']\n"+
		"  ok:\n    image: "+apitest.Image()+"\n    command: [sleep, '600']\n", "")
	out, code, err := runApp(t, nil, append([]string{"up", "-d", "--wait", "--timeout",
		"5s", "-f", file}, daemonArgs(d)...)...)
	if code != 1 || err == nil || strings.Contains(out, "is ready") {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	for _, want := range []string{"stack crashy is not ready", "timed out",
		"service app: state=", "exited with code 3", "container crashy-app-1:",
		"| boom-from-app"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{"service ok:", "health=healthy"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("error has %q:\n%v", bad, err)
		}
	}

	// Polled as rancher inspect and rancher ps would, it is never healthy.
	for range 15 {
		svc, ferr := d.Client.FindByName(t.Context(), "services", "app", nil)
		if ferr != nil || svc == nil {
			t.Fatalf("service app: %v", ferr)
		}
		if h := svc.Str("healthState"); h == "healthy" {
			t.Fatalf("a crash-looping service shows healthy: %v", svc)
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := readStatus(t, d)
	for _, svc := range st.Stacks[0].Services {
		if svc.Name == "app" && (svc.Health == "healthy" || svc.State != "active") {
			t.Errorf("status of app: %+v", svc)
		}
	}
	if n := startCount(t, d, "crashy-app-1"); n < 3 || n > 8 {
		t.Errorf("crashy-app-1 started %d times in ~8s: want a few, with growing delays", n)
	}

	// run deploys its own stack and does not run the command either.
	out, code, err = runApp(t, strings.NewReader(""), append(append([]string{"run",
		"-s", "crashrun", "-f", file, "--timeout", "3s"}, daemonArgs(d)...), "--",
		"sh", "-c", "echo command-ran")...)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "service app:") ||
		strings.Contains(out, "command-ran") {
		t.Errorf("run: status %d, err %v:\n%s", code, err, out)
	}
}

// A container that exits a second after it starts is seen running, and healthy, at
// first: up --wait waits for the services to stay up, so it still fails.
func TestUpWaitFailsOnAContainerThatExitsSoon(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "late", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sh, -c, 'sleep 1; exit 4']\n", "")
	out, code, err := runApp(t, nil, append([]string{"up", "-d", "--wait", "--timeout",
		"5s", "-f", file}, daemonArgs(d)...)...)
	if code != 1 || err == nil || strings.Contains(out, "is ready") {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	for _, want := range []string{"stack late is not ready", "service app: state=",
		"exited with code 4"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// readStatus runs status --json.
func readStatus(t *testing.T, d *apitest.Daemon) envStatus {
	t.Helper()
	out, code, err := runApp(t, nil, append([]string{"status", "--json"},
		daemonArgs(d)...)...)
	var st envStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || len(st.Stacks) == 0 {
		t.Fatalf("status --json: %d %v\n%s", code, err, out)
	}
	return st
}

// startCount is how often the daemon started the named container.
func startCount(t *testing.T, d *apitest.Daemon, name string) int {
	t.Helper()
	ct, err := d.Client.FindByName(t.Context(), "containers", name, nil)
	if err != nil || ct == nil {
		t.Fatalf("container %s: %v", name, err)
	}
	n, _ := client.Resource(ct)["startCount"].(float64)
	return int(n)
}
