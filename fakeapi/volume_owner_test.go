package fakeapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// startPolicyWithVolumes starts a clean daemon under policy whose Docker volumes are
// removed after its containers (cleanups run last-registered first).
func startPolicyWithVolumes(t *testing.T, policy emulator.Policy) *apitest.Daemon {
	t.Helper()
	var d *apitest.Daemon
	t.Cleanup(func() {
		if d == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		vols, err := d.Engine.ListVolumes(ctx, map[string]string{
			engine.LabelDaemon: d.Emu.DaemonID()})
		if err != nil {
			t.Logf("cleanup volumes: %v", err)
		}
		for _, v := range vols {
			if err := d.Engine.RemoveVolume(ctx, v.Name); err != nil {
				t.Logf("cleanup volumes: %v", err)
			}
		}
	})
	d = apitest.StartCleanPolicy(t, policy)
	return d
}

// wantVolumeRefusal checks a request was refused with Spin's 401 envelope for volume name.
func wantVolumeRefusal(t *testing.T, what string, status int, body map[string]any,
	name string) {
	t.Helper()
	if status != 401 || body["message"] != "you don't own volume "+name {
		t.Errorf("%s: %d %v, want 401 you don't own volume %s", what, status, body, name)
		return
	}
	for k := range body {
		if k != "type" && k != "status" && k != "message" {
			t.Errorf("%s: refusal body has extra key %q: the CLI would print it", what, k)
		}
	}
}

// Mounting a volume reads and writes its data: another user's service may not mount it,
// by an external compose volume (the CLI's volume template), a plain mount, a sidekick or
// an upgrade, and nothing of it reaches Docker. The owner may, and so may a member of the
// group its stack's group: tag names, in that stack.
func TestOthersVolumesCannotBeMounted(t *testing.T) {
	d := startPolicyWithVolumes(t, spinPolicy())
	elvis, wilma, fred := keyFor(t, d, "elvis"), keyFor(t, d, "wilma"), keyFor(t, d, "fred")
	for _, body := range []map[string]any{{"name": "revc-vol1"},
		{"name": "db.mine", "driver": "rancher-nfs"}} {
		if _, err := elvis.Create(t.Context(), "volumes", body); err != nil {
			t.Fatal(err)
		}
	}

	// wilma: `rancher up` of a service with revc-vol1:/ext and an external revc-vol1.
	theirs := createStack(t, wilma, "steal")
	status, body := rawError(t, wilma, wilma.ProjectURL()+"/volumetemplates",
		map[string]any{"name": "revc-vol1", "external": true, "stackId": theirs.Str("id")})
	wantVolumeRefusal(t, "external template", status, body, "revc-vol1")
	writer := compliant()
	writer["dataVolumes"] = []string{"revc-vol1:/ext"}
	writer["command"] = []string{"sh", "-c", "echo x > /ext/fromother; sleep 3600"}
	status, body = rawError(t, wilma, wilma.ProjectURL()+"/services", map[string]any{
		"name": "web", "stackId": theirs.Str("id"), "launchConfig": writer,
		"startOnCreate": true})
	wantVolumeRefusal(t, "plain mount", status, body, "revc-vol1")
	side := compliant()
	side["name"] = "side"
	side["dataVolumes"] = []string{"db.mine:/db:ro"}
	status, body = rawError(t, wilma, wilma.ProjectURL()+"/services", map[string]any{
		"name": "web", "stackId": theirs.Str("id"), "launchConfig": compliant(),
		"secondaryLaunchConfigs": []any{side}})
	wantVolumeRefusal(t, "sidekick mount", status, body, "db.mine")
	own := createService(t, wilma, theirs, "app", compliant(), 1)
	status, body = rawError(t, wilma, own.Action("upgrade"), upgradeBody(writer, false))
	wantVolumeRefusal(t, "upgrade", status, body, "revc-vol1")
	if svcs, _ := wilma.List(t.Context(), "services", url.Values{
		"stackId": {theirs.Str("id")}}); len(svcs) != 1 {
		t.Fatalf("services of the refused stack: %v", svcs)
	}
	if cts, _ := wilma.List(t.Context(), "containers", nil); len(cts) != 0 {
		t.Fatalf("a refused service made containers: %v", cts)
	}

	// elvis mounts his own volume, through an external template too.
	mine := createStack(t, elvis, "mine")
	if _, err := elvis.Create(t.Context(), "volumetemplates", map[string]any{
		"name": "revc-vol1", "external": true, "stackId": mine.Str("id")}); err != nil {
		t.Fatalf("owner's external template: %v", err)
	}
	lc := compliant()
	lc["dataVolumes"] = []string{"revc-vol1:/ext"}
	lc["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; echo mine > /ext/note; " +
		"cat /ext/note; while true; do sleep 1; done"}
	svc := createService(t, elvis, mine, "app", lc, 1)
	if _, err := elvis.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, elvis, reload(t, elvis, svc), "active")
	expectLine(t, elvis, instances(t, elvis, svc)[0], "mine")

	// fred, in csg, may change elvis's stack once its group: tag names csg, volume and all;
	// in a stack of his own, elvis's volume stays refused.
	if err := elvis.Do(t.Context(), "PUT", mine.Link("self"),
		map[string]any{"group": "owner:elvis,staff-owner:wilma,group:csg"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fred.Action(t.Context(), reload(t, fred, svc), "upgrade",
		upgradeBody(lc, false)); err != nil {
		t.Fatalf("a member of the stack's group could not upgrade it: %v", err)
	}
	fredLC := compliant()
	fredLC["dataVolumes"] = []string{"revc-vol1:/ext"}
	if _, err := fred.Create(t.Context(), "services", map[string]any{"name": "db",
		"stackId": mine.Str("id"), "launchConfig": fredLC}); err != nil {
		t.Fatalf("a member of the stack's group could not add a service to it: %v", err)
	}
	freds := createStack(t, fred, "freds")
	status, body = rawError(t, fred, fred.ProjectURL()+"/services", map[string]any{
		"name": "db", "stackId": freds.Str("id"), "launchConfig": fredLC})
	wantVolumeRefusal(t, "group member's own stack", status, body, "revc-vol1")

	vol, err := elvis.FindByName(t.Context(), "volumes", "revc-vol1", nil)
	if err != nil || vol == nil {
		t.Fatalf("volume: %v %v", vol, err)
	}
	mounts, _ := vol["mounts"].([]any)
	for _, m := range mounts {
		mm, _ := m.(map[string]any)
		if name, _ := mm["instanceName"].(string); !strings.HasPrefix(name, "mine-") {
			t.Errorf("revc-vol1 is mounted by %s", name)
		}
	}
	if len(mounts) == 0 {
		t.Errorf("revc-vol1 has no mounts: %v", vol)
	}
}

// A name the refused user has not used yet still makes a volume of theirs.
func TestNewVolumeBelongsToItsMaker(t *testing.T) {
	d := startPolicyWithVolumes(t, spinPolicy())
	wilma := keyFor(t, d, "wilma")
	lc := compliant()
	lc["dataVolumes"] = []string{"wilmas.data:/data"}
	svc := createService(t, wilma, createStack(t, wilma, "hers"), "app", lc, 1)
	if _, err := wilma.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, wilma, reload(t, wilma, svc), "active")
	v, err := wilma.FindByName(t.Context(), "volumes", "wilmas.data", nil)
	var apiErr *client.Error
	if err != nil || v == nil || v.Str("owner") != "wilma" {
		t.Fatalf("new volume: %v %v", v, err)
	}
	// And elvis may not mount it.
	elvis := keyFor(t, d, "elvis")
	_, err = elvis.Create(t.Context(), "services", map[string]any{"name": "app",
		"stackId": createStack(t, elvis, "his").Str("id"), "launchConfig": lc})
	if !asAPIError(err, &apiErr) || apiErr.Status != 401 ||
		apiErr.Message != "you don't own volume wilmas.data" {
		t.Fatalf("elvis mounting wilma's volume: %v", err)
	}
}
