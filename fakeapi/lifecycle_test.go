package fakeapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// sleeper is a launch config that runs until stopped and reacts to SIGTERM at once.
func sleeper() map[string]any {
	return map[string]any{"imageUuid": "docker:" + apitest.Image(),
		"command":     []string{"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"},
		"networkMode": "managed", "logConfig": map[string]any{"config": map[string]any{}},
		"labels": map[string]any{"io.rancher.service.hash": "abc"}}
}

func createStack(t *testing.T, c *client.Client, name string) client.Resource {
	t.Helper()
	st, err := c.Create(t.Context(), "stacks", map[string]any{"name": name,
		"links": nil, "actions": nil})
	if err != nil {
		t.Fatalf("create stack %s: %v", name, err)
	}
	return st
}

func createService(t *testing.T, c *client.Client, stack client.Resource, name string,
	lc map[string]any, scale int) client.Resource {
	t.Helper()
	svc, err := c.Create(t.Context(), "services", map[string]any{"name": name,
		"stackId": stack.Str("id"), "scale": scale, "launchConfig": lc,
		"metadata": map[string]any{"io.rancher.service.hash": "svc"}})
	if err != nil {
		t.Fatalf("create service %s: %v", name, err)
	}
	return svc
}

func reload(t *testing.T, c *client.Client, r client.Resource) client.Resource {
	t.Helper()
	n, err := c.Get(t.Context(), r.Link("self"))
	if err != nil {
		t.Fatalf("reload %s: %v", r.Str("id"), err)
	}
	return n
}

// settle waits until the resource stops transitioning and checks its state.
func settle(t *testing.T, c *client.Client, r client.Resource, state string) client.Resource {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	r, err := c.WaitSettled(ctx, r, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("wait for %s: %v", r.Str("id"), err)
	}
	if r.Str("state") != state {
		t.Fatalf("%s %s is %s (%s), want %s", r.Str("type"), r.Str("id"), r.Str("state"),
			r.Str("transitioningMessage"), state)
	}
	return r
}

func instances(t *testing.T, c *client.Client, svc client.Resource) []client.Resource {
	t.Helper()
	items, err := c.List(t.Context(), "services/"+svc.Str("id")+"/instances", nil)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func dockerStatus(t *testing.T, d *apitest.Daemon, name string) (engine.Status, bool) {
	t.Helper()
	list, err := d.Engine.List(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Labels["io.rancher.container.name"] == name {
			return s, true
		}
	}
	return engine.Status{}, false
}

func TestServiceLifecycleOnDocker(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "life")
	svc := createService(t, c, stack, "web", sleeper(), 1)

	// Created inactive, with activate offered and the hash labels kept verbatim.
	if svc.Str("state") != "inactive" || svc.Action("activate") == "" {
		t.Fatalf("new service: state %s actions %v", svc.Str("state"), svc["actions"])
	}
	if svc["metadata"].(map[string]any)["io.rancher.service.hash"] != "svc" {
		t.Fatalf("metadata not kept: %v", svc["metadata"])
	}
	svc, err := c.Action(t.Context(), svc, "activate", nil)
	if err != nil || svc.Str("transitioning") != "yes" {
		t.Fatalf("activate: %v transitioning=%s", err, svc.Str("transitioning"))
	}
	svc = settle(t, c, svc, "active")
	if svc.Str("healthState") != "healthy" {
		t.Errorf("healthState = %s", svc.Str("healthState"))
	}
	ct := instances(t, c, svc)
	if len(ct) != 1 || ct[0].Str("name") != "life-web-1" || ct[0].Str("state") != "running" {
		t.Fatalf("instances = %v", ct)
	}
	st, ok := dockerStatus(t, d, "life-web-1")
	if !ok || !st.Running || st.Name != "life-web-1" {
		t.Fatalf("docker container life-web-1: %+v %v", st, ok)
	}
	if st.Labels["io.rancher.stack_service.name"] != "life/web" {
		t.Errorf("labels = %v", st.Labels)
	}
	if !strings.HasPrefix(st.ID, ct[0].Str("externalId")) {
		t.Errorf("externalId %s is not docker id %s", ct[0].Str("externalId"), st.ID)
	}

	// Scale to 3, then remove unit 2 by hand: it comes back as number 2.
	if err := c.Do(t.Context(), "PUT", svc.Link("self"), map[string]any{"scale": 3},
		nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	if n := len(instances(t, c, svc)); n != 3 {
		t.Fatalf("after scale 3: %d instances", n)
	}
	st2, _ := dockerStatus(t, d, "life-web-2")
	if err := d.Engine.Remove(t.Context(), st2.ID); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		st, ok := dockerStatus(t, d, "life-web-2")
		if !ok || !st.Running || st.ID == st2.ID {
			return "life-web-2 not replaced yet"
		}
		return ""
	})

	// Stop unit 1 behind the daemon's back: it is started again.
	st1, _ := dockerStatus(t, d, "life-web-1")
	if err := d.Engine.Stop(t.Context(), st1.ID, time.Second); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		if st, _ := dockerStatus(t, d, "life-web-1"); !st.Running || st.ID != st1.ID {
			return apitest.Errf("life-web-1 running=%v", st.Running)
		}
		return ""
	})

	// Scale down removes the newest units.
	if err := c.Do(t.Context(), "PUT", svc.Link("self"), map[string]any{"scale": 1},
		nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	apitest.Eventually(t, 30*time.Second, func() string {
		_, has2 := dockerStatus(t, d, "life-web-2")
		_, has3 := dockerStatus(t, d, "life-web-3")
		if has2 || has3 {
			return "units 2 and 3 still in Docker"
		}
		return ""
	})

	// Deactivate stops, activate starts again.
	svc, err = c.Action(t.Context(), reload(t, c, svc), "deactivate", nil)
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "inactive")
	if st, _ := dockerStatus(t, d, "life-web-1"); st.Running {
		t.Fatal("deactivated service still runs")
	}
	if ps := c.ProjectURL(); ps == "" {
		t.Fatal("no project")
	}

	// Removing the stack removes service and containers.
	if _, err := c.Delete(t.Context(), reload(t, c, stack)); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, stack), "removed")
	if r := reload(t, c, svc); r.Str("state") != "removed" {
		t.Errorf("service after stack removal: %s", r.Str("state"))
	}
	if _, ok := dockerStatus(t, d, "life-web-1"); ok {
		t.Error("container left in Docker after stack removal")
	}
	left, err := c.List(t.Context(), "stacks", url.Values{"removed_null": {"1"}})
	if err != nil || len(left) != 0 {
		t.Errorf("live stacks after removal: %v %v", left, err)
	}
}

func TestActionsFollowState(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "acts")
	svc := createService(t, c, stack, "web", sleeper(), 1)
	// deactivate is not offered on an inactive service: 422 ActionNotAvailable.
	err := c.Do(t.Context(), "POST", svc.Link("self")+"/?action=deactivate", nil, nil)
	var apiErr *client.Error
	if !asAPIError(err, &apiErr) || apiErr.Status != 422 || apiErr.Code != "ActionNotAvailable" {
		t.Fatalf("deactivate on inactive: %v", err)
	}
	// Duplicate names are refused.
	_, err = c.Create(t.Context(), "services", map[string]any{"name": "WEB",
		"stackId": stack.Str("id"), "launchConfig": sleeper()})
	if !asAPIError(err, &apiErr) || apiErr.Code != "NotUnique" {
		t.Fatalf("duplicate service name: %v", err)
	}
	_, err = c.Create(t.Context(), "stacks", map[string]any{"name": "bad_name"})
	if !asAPIError(err, &apiErr) || apiErr.Code != "InvalidCharacters" {
		t.Fatalf("bad stack name: %v", err)
	}
}
