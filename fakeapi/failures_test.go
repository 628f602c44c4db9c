package fakeapi_test

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

func TestMissingImagePutsServiceInError(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "broken")
	lc := sleeper()
	lc["imageUuid"] = "docker:spinlocal/no-such-image:0"
	svc := createService(t, c, stack, "app", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		r := reload(t, c, svc)
		if r.Str("state") != "error" || r.Str("transitioning") != "error" {
			return apitest.Errf("service state %s/%s", r.Str("state"), r.Str("transitioning"))
		}
		if !strings.Contains(r.Str("transitioningMessage"), "spinlocal/no-such-image:0") {
			return apitest.Errf("message %q names no image", r.Str("transitioningMessage"))
		}
		return ""
	})
	for _, ct := range instances(t, c, svc) {
		if ct.Str("state") == "error" && ct.Str("transitioningMessage") == "" {
			t.Errorf("container %s in error without a reason", ct.Str("name"))
		}
	}
	assertNoDockerContainers(t, d)
}

// A port a program of the host listens on: the message names the port and the process.
func TestPortTakenPutsServiceInError(t *testing.T) {
	d := apitest.StartClean(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	msg := portFails(t, d, "ports", port)
	want := fmt.Sprintf("host port 127.0.0.1:%d is already in use by process %d (fakeapi.test",
		port, os.Getpid())
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}
	assertNoDockerContainers(t, d)
}

// A port another Docker container publishes: the message names that container.
func TestPortTakenByDockerContainer(t *testing.T) {
	d := apitest.StartClean(t)
	port := freeTCPPort(t)
	name := "sltest-holder-" + d.Emu.DaemonID()
	if _, err := dockerCLI(t, "", "run", "-d", "--name", name, "-p",
		fmt.Sprintf("127.0.0.1:%d:8080", port), apitest.Image(), "sleep", "600"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := dockerCLI(t, "", "rm", "-f", name); err != nil {
			t.Error(err)
		}
	})
	msg := portFails(t, d, "ports", port)
	want := fmt.Sprintf("host port 127.0.0.1:%d is already in use by Docker container %s",
		port, name)
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}
}

// A port a service of another stack publishes: the message gives its Cattle name.
func TestPortTakenBySpinlocalContainer(t *testing.T) {
	d := apitest.StartClean(t)
	port := freeTCPPort(t)
	holder := createStack(t, d.Client, "holder")
	lc := sleeper()
	lc["ports"] = []string{fmt.Sprintf("%d:8080", port)}
	web := createService(t, d.Client, holder, "web", lc, 1)
	if _, err := d.Client.Action(t.Context(), web, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, d.Client, reload(t, d.Client, web), "active")
	msg := portFails(t, d, "second", port)
	want := fmt.Sprintf("host port 127.0.0.1:%d is already in use by container "+
		"holder-web-1 of stack holder", port)
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}
}

// portFails deploys a service publishing port in a new stack, waits until it is in
// error, and returns its message after checking that its container shows the same.
func portFails(t *testing.T, d *apitest.Daemon, stackName string, port int) string {
	t.Helper()
	c := d.Client
	stack := createStack(t, c, stackName)
	lc := sleeper()
	lc["ports"] = []string{fmt.Sprintf("%d:8080", port)}
	svc := createService(t, c, stack, "web", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	var msg string
	apitest.Eventually(t, 60*time.Second, func() string {
		r := reload(t, c, svc)
		msg = r.Str("transitioningMessage")
		if r.Str("state") != "error" || !strings.Contains(msg, fmt.Sprint(port)) {
			return apitest.Errf("service %s: %q", r.Str("state"), msg)
		}
		// The service shows "<container>: <reason>"; failed containers are retried.
		for _, ct := range instances(t, c, svc) {
			if ct.Str("state") == "error" &&
				msg == ct.Str("name")+": "+ct.Str("transitioningMessage") {
				return ""
			}
		}
		return apitest.Errf("no container in error says what the service does (%q)", msg)
	})
	return msg
}

// assertNoDockerContainers checks that failed deploys leave nothing in Docker.
func assertNoDockerContainers(t *testing.T, d *apitest.Daemon) {
	t.Helper()
	list, err := d.Engine.List(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		t.Errorf("orphaned Docker container %s (%s)", s.Name, s.State)
	}
}
