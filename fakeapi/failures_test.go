package fakeapi_test

import (
	"fmt"
	"net"
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

func TestPortTakenPutsServiceInError(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	stack := createStack(t, c, "ports")
	lc := sleeper()
	lc["ports"] = []string{fmt.Sprintf("%d:8080", port)}
	svc := createService(t, c, stack, "web", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		r := reload(t, c, svc)
		msg := r.Str("transitioningMessage")
		if r.Str("state") != "error" || !strings.Contains(msg, fmt.Sprint(port)) {
			return apitest.Errf("service %s: %q", r.Str("state"), msg)
		}
		return ""
	})
	assertNoDockerContainers(t, d)
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
