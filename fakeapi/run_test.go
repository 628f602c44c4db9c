package fakeapi_test

import (
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// `rancher run --name web IMAGE` gets-or-creates the Default stack and posts a service
// with startOnCreate, which must come up without an activate call.
func TestRunStartsOnCreate(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	def, err := c.FindByName(t.Context(), "stacks", "Default", nil)
	if err != nil || def != nil {
		t.Fatalf("Default exists before use: %v %v", def, err)
	}
	def = createStack(t, c, "Default")
	lc := sleeper()
	lc["links"], lc["actions"] = nil, nil // the CLI's typed bodies carry these
	svc, err := c.Create(t.Context(), "services", map[string]any{"links": nil,
		"actions": nil, "launchConfig": lc, "name": "web", "scale": 1,
		"stackId": def.Str("id"), "startOnCreate": true})
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "active")
	if _, ok := svc["launchConfig"].(map[string]any)["links"]; ok {
		t.Error("links key from the request body stored in the launch config")
	}
	ct := instances(t, c, svc)
	if len(ct) != 1 || ct[0].Str("name") != "Default-web-1" {
		t.Fatalf("instances = %v", ct)
	}
}

// rm of a container of an active service removes it and the service replaces it; rm of a
// service removes its containers from Docker.
func TestRemoveContainerAndService(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "rmtest")
	svc := createService(t, c, stack, "web", sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	old := instances(t, c, svc)[0]
	removed, err := c.Delete(t.Context(), old)
	if err != nil || (removed.Str("state") != "removing" && removed.Str("state") != "removed") {
		t.Fatalf("DELETE running container: %v %v", removed.Str("state"), err)
	}
	settle(t, c, reload(t, c, old), "removed")
	var fresh client.Resource
	apitest.Eventually(t, 30*time.Second, func() string {
		for _, ct := range instances(t, c, svc) {
			if ct.Str("id") != old.Str("id") && ct.Str("state") == "running" {
				fresh = ct
				return ""
			}
		}
		return "no replacement"
	})
	if fresh.Str("name") != "rmtest-web-1" {
		t.Errorf("replacement named %s", fresh.Str("name"))
	}
	if _, err := c.Delete(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "removed")
	if _, ok := dockerStatus(t, d, "rmtest-web-1"); ok {
		t.Error("container left in Docker after the service was removed")
	}
}
