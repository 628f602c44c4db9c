package fakeapi_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// pullTask posts a pull task as `rancher up --pull` does and polls it, as the CLI does,
// until it stops transitioning.
func pullTask(t *testing.T, c *client.Client, image string) client.Resource {
	t.Helper()
	task, err := c.Create(t.Context(), "pulltasks", map[string]any{"image": image,
		"mode": "all", "labels": map[string]any{"io.rancher.container.pull_image": "always"}})
	if err != nil {
		t.Fatal(err)
	}
	if task.Str("transitioning") != "yes" {
		t.Fatalf("a new pull task is not transitioning: %v", task)
	}
	apitest.Eventually(t, 2*time.Minute, func() string {
		task = reload(t, c, task)
		if task.Str("transitioning") == "yes" {
			return "still pulling " + image
		}
		return ""
	})
	return task
}

// `rancher up --pull` of an image that exists only on this machine (a laptop build never
// pushed) finishes with Done and keeps the local image, saying why; an image that exists
// nowhere fails with Docker's reason, which the CLI prints.
func TestPullTasksAsUpPullUsesThem(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	host := emulator.HostID
	hosts, err := c.List(t.Context(), "hosts", nil)
	if err != nil || len(hosts) != 1 || hosts[0].Str("id") != host {
		t.Fatalf("hosts: %v %v", hosts, err)
	}
	hostname := hosts[0].Str("hostname")

	// A name no registry has, for a copy of the test image.
	only := fmt.Sprintf("spinlocal/pull-test-%d:local", os.Getpid())
	if out, err := exec.Command("docker", "tag", apitest.Image(), only).CombinedOutput(); err != nil {
		t.Fatalf("docker tag: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", only).Run() })
	local := pullTask(t, c, "docker:"+only)
	status, _ := local["status"].(map[string]any)
	if local.Str("state") != "active" || status[hostname] != "Done" {
		t.Fatalf("pull of a local image: state %s, status %v, message %q",
			local.Str("state"), status, local.Str("transitioningMessage"))
	}
	if !strings.Contains(local.Str("transitioningMessage"), only) {
		t.Fatalf("the kept local image is not explained: %q",
			local.Str("transitioningMessage"))
	}

	missing := pullTask(t, c, "spinlocal/no-such-image:never")
	if missing.Str("transitioning") != "error" ||
		!strings.Contains(missing.Str("transitioningMessage"), "no-such-image") {
		t.Fatalf("pull of a missing image: transitioning %s, message %q",
			missing.Str("transitioning"), missing.Str("transitioningMessage"))
	}
	list, err := c.List(t.Context(), "pulltasks", nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("pull tasks listed: %d %v", len(list), err)
	}
}

// `rancher up --prune` reads stack.serviceIds, GETs each service and deletes those the
// compose files no longer have: their containers go, the others stay.
func TestPruneAsUpDoesIt(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "prune")
	keep := createService(t, c, stack, "keep", sleeper(), 1)
	extra := createService(t, c, stack, "extra", sleeper(), 1)
	for _, svc := range []client.Resource{keep, extra} {
		svc, err := c.Action(t.Context(), svc, "activate", nil)
		if err != nil {
			t.Fatal(err)
		}
		settle(t, c, svc, "active")
	}
	compose := map[string]bool{"keep": true}
	stack = reload(t, c, stack)
	ids, _ := stack["serviceIds"].([]any)
	if len(ids) != 2 {
		t.Fatalf("stack serviceIds: %v", stack["serviceIds"])
	}
	for _, id := range ids {
		svc, err := c.Get(t.Context(), c.ProjectURL()+"/services/"+id.(string))
		if err != nil {
			t.Fatal(err)
		}
		if !compose[svc.Str("name")] {
			if _, err := c.Delete(t.Context(), svc); err != nil {
				t.Fatalf("delete %s: %v", svc.Str("name"), err)
			}
		}
	}
	settle(t, c, reload(t, c, extra), "removed")
	if _, ok := dockerStatus(t, d, "prune-extra-1"); ok {
		t.Fatal("the pruned service's container is still in Docker")
	}
	if st, ok := dockerStatus(t, d, "prune-keep-1"); !ok || !st.Running {
		t.Fatal("the kept service's container is not running")
	}
	stack = reload(t, c, stack)
	if ids, _ := stack["serviceIds"].([]any); len(ids) != 1 || ids[0] != keep.Str("id") {
		t.Fatalf("serviceIds after the prune: %v", stack["serviceIds"])
	}
}
