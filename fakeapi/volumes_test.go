package fakeapi_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// startWithVolumes starts a clean daemon, audit off, whose Docker volumes are removed
// after its containers.
func startWithVolumes(t *testing.T) *apitest.Daemon {
	t.Helper()
	return startPolicyWithVolumes(t, apitest.AuditOff())
}

// dockerVolume reports whether the Docker volume behind a Cattle volume exists.
func dockerVolume(t *testing.T, d *apitest.Daemon, id string) bool {
	t.Helper()
	vols, err := d.Engine.ListVolumes(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID(), engine.LabelVolumeID: id})
	if err != nil {
		t.Fatal(err)
	}
	return len(vols) == 1
}

func apiError(t *testing.T, err error) *client.Error {
	t.Helper()
	var ae *client.Error
	if !asAPIError(err, &ae) {
		t.Fatalf("want an API error, got %v", err)
	}
	return ae
}

func TestVolumeCreateListRemove(t *testing.T) {
	d := startWithVolumes(t)
	c := d.Client
	v, err := c.Create(t.Context(), "volumes", map[string]any{"name": "db.demo",
		"driver": "rancher-nfs", "driverOpts": map[string]any{"onRemove": "purge"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Str("state") != "inactive" || v.Str("driver") != "rancher-nfs" ||
		!strings.HasPrefix(v.Str("id"), "1v") || !dockerVolume(t, d, v.Str("id")) {
		t.Fatalf("new volume: %v", v)
	}
	// ls hides inactive volumes; ls --all shows them.
	q := url.Values{"state_ne": {"inactive", "stopped", "removing"}, "removed_null": {"1"}}
	if items, _ := c.List(t.Context(), "volumes", q); len(items) != 0 {
		t.Errorf("ls without --all: %v", items)
	}
	if items, _ := c.List(t.Context(), "volumes", url.Values{"all": {"true"}}); len(items) != 1 {
		t.Errorf("ls --all: %v", items)
	}
	for name, code := range map[string]string{"../etc": "InvalidCharacters",
		"a/b": "InvalidCharacters", "db.demo": "NotUnique"} {
		_, err := c.Create(t.Context(), "volumes", map[string]any{"name": name})
		if ae := apiError(t, err); ae.Status != 422 || ae.Code != code {
			t.Errorf("create %q: %v", name, err)
		}
	}

	status, raw := rawCall(t, keyFor(t, d, "wilma"), "DELETE", v.Link("self"), nil)
	if m := replyOf(t, raw); status != 401 || m["message"] != "you don't own this volume" {
		t.Fatalf("wilma's rm: %d %s", status, raw)
	}
	v, err = c.Delete(t.Context(), v)
	if err != nil || v.Str("state") != "removed" {
		t.Fatalf("rm: %v %v", v, err)
	}
	if dockerVolume(t, d, v.Str("id")) {
		t.Error("Docker volume left after rm")
	}
	items, _ := c.List(t.Context(), "volumes", url.Values{"all": {"true"}})
	if len(items) != 1 || items[0].Str("state") != "removed" {
		t.Errorf("ls --all after rm: %v", items)
	}
}

func TestVolumeDataSurvivesContainerReplacement(t *testing.T) {
	d := startWithVolumes(t)
	c := d.Client
	v, err := c.Create(t.Context(), "volumes", map[string]any{"name": "keep.vol"})
	if err != nil {
		t.Fatal(err)
	}
	stack := createStack(t, c, "vol")
	lc := sleeper()
	lc["dataVolumes"] = []string{"keep.vol:/data"}
	lc["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; if [ -f /data/note ]; " +
		"then echo found-$(cat /data/note); else echo first > /data/note; echo wrote; fi; " +
		"while true; do sleep 1; done"}
	svc := createService(t, c, stack, "db", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	first := instances(t, c, svc)[0]
	expectLine(t, c, first, "wrote")
	if v = reload(t, c, v); v.Str("state") != "active" {
		t.Errorf("mounted volume is %s", v.Str("state"))
	}

	_, err = c.Delete(t.Context(), v)
	ae := apiError(t, err)
	if ae.Status != 409 || !strings.Contains(ae.Message, "keep.vol") ||
		!strings.Contains(ae.Message, "vol-db-1") || !strings.Contains(ae.Message, "vol/db") {
		t.Fatalf("rm of a volume in use: %v", err)
	}

	if _, err := c.Delete(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	var next client.Resource
	apitest.Eventually(t, 60*time.Second, func() string {
		for _, ct := range instances(t, c, svc) {
			if ct.Str("id") != first.Str("id") && ct.Str("state") == "running" {
				next = ct
				return ""
			}
		}
		return "no replacement container yet"
	})
	expectLine(t, c, next, "found-first")

	if _, err := c.Delete(t.Context(), reload(t, c, stack)); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, stack), "removed")
	if v = reload(t, c, v); v.Str("state") != "detached" {
		t.Errorf("environment volume after its stack went: %s", v.Str("state"))
	}
	if v, err = c.Delete(t.Context(), v); err != nil || v.Str("state") != "removed" {
		t.Fatalf("rm once unused: %v %v", v, err)
	}
}

func TestStackVolumeTemplateGoesWithTheStack(t *testing.T) {
	d := startWithVolumes(t)
	c := d.Client
	dir := t.TempDir()
	yml := "version: '2'\nservices:\n  web:\n    image: " + apitest.Image() +
		"\n    command: [sh, -c, 'echo hi > /data/x; sleep 3600']\n" +
		"    volumes: ['data:/data']\nvolumes:\n  data:\n    driver: local\n"
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(yml),
		0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	var dep *client.Deployment
	for range 2 {
		p, err := compose.Load(ctx, compose.Options{WorkingDir: dir, ProjectName: "tmpl",
			Environ: map[string]string{}})
		if err != nil {
			t.Fatal(err)
		}
		if dep, err = c.Deploy(ctx, p, &out); err != nil {
			t.Fatalf("deploy: %v\n%s", err, out.String())
		}
	}
	if !strings.Contains(out.String(), "Creating volume template data\n") ||
		!strings.Contains(out.String(), "Existing volume template found for data\n") {
		t.Fatalf("deploy output lacks the volume template lines:\n%s", out.String())
	}
	stackID := dep.Stack.Str("id")
	vt, err := c.FindByName(ctx, "volumetemplates", "data", url.Values{"stackId": {stackID}})
	if err != nil || vt == nil || vt.Str("driver") != "local" {
		t.Fatalf("volume template: %v %v", vt, err)
	}
	vols, err := c.List(ctx, "volumes", url.Values{"stackId": {stackID}})
	if err != nil || len(vols) != 1 || !strings.HasPrefix(vols[0].Str("name"), "tmpl_data_") ||
		vols[0].Str("volumeTemplateId") != vt.Str("id") {
		t.Fatalf("stack volume: %v %v", vols, err)
	}
	vol := vols[0]
	if !dockerVolume(t, d, vol.Str("id")) {
		t.Fatal("no Docker volume behind the stack volume")
	}

	if _, err := c.Delete(ctx, dep.Stack); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, dep.Stack), "removed")
	apitest.Eventually(t, 30*time.Second, func() string {
		if v := reload(t, c, vol); v.Str("state") != "removed" {
			return "stack volume is " + v.Str("state")
		}
		if dockerVolume(t, d, vol.Str("id")) {
			return "Docker volume still there"
		}
		return ""
	})
	if vt = reload(t, c, vt); vt.Str("state") != "removed" {
		t.Errorf("template after stack removal: %s", vt.Str("state"))
	}
}
