package emulator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

func TestValidVolumeNameUnit(t *testing.T) {
	good := []string{"db.demo", "data", "a", "9lives", "Web.stack", "my_vol-1.x"}
	bad := []string{"", "../etc", "a/b", "a..b", ".hidden", "-x", "_x", "db.MySQL",
		"sp ace", strings.Repeat("a", maxVolumeName+1)}
	for _, n := range good {
		if err := validVolumeName(n); err != nil {
			t.Errorf("validVolumeName(%q) = %v, want ok", n, err)
		}
	}
	for _, n := range bad {
		err := validVolumeName(n)
		if err == nil {
			t.Errorf("validVolumeName(%q) accepted", n)
			continue
		}
		want := "InvalidCharacters"
		if n == "" {
			want = "MissingRequired"
		}
		assertAPIError(t, err, 422, want, "name")
	}
	err := validVolumeName("a/b")
	if !strings.Contains(AsAPIError(err).Message, "a-z, digits 0-9, '_', '.' or '-'") {
		t.Errorf("message does not name the allowed characters: %v", err)
	}
}

func TestVolumeDriverAndMountParsingUnit(t *testing.T) {
	for in, want := range map[string]string{"": "local", "local": "local",
		"rancher-nfs": "rancher-nfs"} {
		if got, err := volumeDriver(in); err != nil || got != want {
			t.Errorf("volumeDriver(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := volumeDriver("convoy"); err == nil {
		t.Error("unknown driver accepted")
	}
	tests := []struct {
		entry, name, target string
		ok                  bool
	}{
		{"data:/var/lib/data", "data", "/var/lib/data", true},
		{"db.demo:/db:ro", "db.demo", "/db:ro", true},
		{"/host:/ctr", "", "", false},
		{"/anonymous", "", "", false},
		{"./rel:/ctr", "", "", false},
		{"~/x:/ctr", "", "", false},
	}
	for _, tt := range tests {
		name, target, ok := namedMount(tt.entry)
		if name != tt.name || target != tt.target || ok != tt.ok {
			t.Errorf("namedMount(%q) = %q %q %v", tt.entry, name, target, ok)
		}
	}
}

// volumeService creates an activated service of stack st whose containers mount vols.
func volumeService(t *testing.T, e *Emulator, st Stack, name string, scale int,
	vols ...string) Service {
	t.Helper()
	lc := map[string]any{"imageUuid": "docker:nginx:1.25", "dataVolumes": toAny(vols),
		"capDrop": []any{"ALL"}}
	svc, err := e.CreateService(Caller{User: "alice"}, testPID, ServiceInput{Name: name,
		StackID: st.ID, Scale: &scale, LaunchConfig: lc})
	if err != nil {
		t.Fatalf("CreateService(%s): %v", name, err)
	}
	if _, err := e.ServiceAction(Caller{User: "alice"}, testPID, svc.ID, "activate",
		nil); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	return getService(t, e, svc.ID)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func volumeByName(t *testing.T, e *Emulator, name string) Volume {
	t.Helper()
	for _, v := range e.Volumes(testPID) {
		if v.Name == name && v.Removed == nil {
			return v
		}
	}
	t.Fatalf("no volume %s in %v", name, e.Volumes(testPID))
	return Volume{}
}

// binds returns the dataVolumes the engine got for a container.
func binds(t *testing.T, eng *fakeEngine, name string) []string {
	t.Helper()
	c := eng.byName(name)
	if c == nil {
		t.Fatalf("no container %s in the engine: %v", name, eng.names())
	}
	return stringList(c.spec.LaunchConfig["dataVolumes"])
}

func TestVolumeOwnershipAndInUseUnit(t *testing.T) {
	e, eng := newEmu(t)
	alice, bob := Caller{User: "alice"}, Caller{User: "bob"}
	v, err := e.CreateVolume(t.Context(), alice, testPID, VolumeInput{Name: "db.demo",
		Driver: DriverNFS, DriverOpts: map[string]string{"onRemove": "purge"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.State != "inactive" || v.Owner != "alice" || !hasPrefix(v.ID, prefixVolume) {
		t.Fatalf("new volume = %+v", v)
	}
	docker := "spinlocal-dev-cattle-db.demo"
	if v.DockerName != docker || eng.volumes[docker].Labels[engine.LabelVolumeID] != v.ID {
		t.Fatalf("docker volume %s: %+v", v.DockerName, eng.volumes)
	}
	_, err = e.CreateVolume(t.Context(), bob, testPID, VolumeInput{Name: "db.demo"})
	assertAPIError(t, err, 422, "NotUnique", "name")

	st := mustStack(t, e, "demo")
	volumeService(t, e, st, "db", 1, "db.demo:/var/lib/db", "/scratch")
	if got := binds(t, eng, "demo-db-1"); !slices.Equal(got,
		[]string{docker + ":/var/lib/db", "/scratch"}) {
		t.Errorf("engine binds = %v", got)
	}
	svc := getService(t, e, e.ServiceIDs(st.ID)[0])
	if lc := svc.LaunchConfig["dataVolumes"].([]any); lc[0] != "db.demo:/var/lib/db" {
		t.Errorf("stored launch config changed: %v", lc)
	}
	v = volumeByName(t, e, "db.demo")
	if v.State != "active" || len(v.Mounts) != 1 || v.Mounts[0].Path != "/var/lib/db" {
		t.Fatalf("volume in use = %+v", v)
	}

	_, err = e.RemoveVolume(t.Context(), bob, testPID, v.ID)
	if ae := AsAPIError(err); ae.Status != 401 || ae.Message != "you don't own this volume" ||
		!ae.Spin {
		t.Fatalf("bob's rm: %+v", ae)
	}
	_, err = e.RemoveVolume(t.Context(), alice, testPID, v.ID)
	ae := AsAPIError(err)
	if ae.Status != 409 || !strings.Contains(ae.Message, "db.demo") ||
		!strings.Contains(ae.Message, "demo-db-1") || !strings.Contains(ae.Message, "demo/db") {
		t.Fatalf("rm in use: %+v", ae)
	}

	if _, err := e.RemoveService(alice, testPID, svc.ID); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	if v = volumeByName(t, e, "db.demo"); v.State != "detached" {
		t.Errorf("unused volume state = %s, want detached", v.State)
	}
	if v, err = e.RemoveVolume(t.Context(), alice, testPID, v.ID); err != nil ||
		v.State != "removed" {
		t.Fatalf("rm: %+v %v", v, err)
	}
	if _, ok := eng.volumes[docker]; ok {
		t.Error("docker volume left after rm")
	}
	// The name is free again.
	_, err = e.CreateVolume(t.Context(), bob, testPID, VolumeInput{Name: "db.demo"})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTemplateVolumesFollowTheStackUnit(t *testing.T) {
	e, eng := newEmu(t)
	alice := Caller{User: "alice"}
	st := mustStack(t, e, "app")
	for _, in := range []VolumeTemplateInput{
		{VolumeInput: VolumeInput{Name: "data"}, StackID: st.ID},
		{VolumeInput: VolumeInput{Name: "scratch"}, StackID: st.ID, PerContainer: true},
	} {
		if _, err := e.CreateVolumeTemplate(alice, testPID, in); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.CreateVolumeTemplate(Caller{User: "bob"}, testPID, VolumeTemplateInput{
		VolumeInput: VolumeInput{Name: "other"}, StackID: st.ID})
	if ae := AsAPIError(err); ae.Status != 401 {
		t.Errorf("bob's template on alice's stack: %v", err)
	}
	volumeService(t, e, st, "web", 2, "data:/data", "scratch:/tmp/s", "cache:/cache")

	byTemplate := map[string][]Volume{}
	for _, v := range e.Volumes(testPID) {
		byTemplate[v.TemplateID] = append(byTemplate[v.TemplateID], v)
	}
	if len(byTemplate) != 3 {
		t.Fatalf("volumes by template = %v", byTemplate)
	}
	shared := byTemplate["1vt1"]
	if len(shared) != 1 || !strings.HasPrefix(shared[0].Name, "app_data_") ||
		shared[0].StackID != st.ID || len(shared[0].Mounts) != 2 {
		t.Fatalf("stack volume = %+v", shared)
	}
	units := byTemplate["1vt2"]
	if len(units) != 2 || units[0].UnitUUID == units[1].UnitUUID ||
		!strings.HasPrefix(units[0].Name, "app_scratch_") {
		t.Fatalf("per-container volumes = %+v", units)
	}
	env := byTemplate[""]
	if len(env) != 1 || env[0].Name != "cache" || env[0].Owner != "alice" {
		t.Fatalf("environment volume made on first use = %+v", env)
	}
	b1, b2 := binds(t, eng, "app-web-1"), binds(t, eng, "app-web-2")
	if b1[0] != b2[0] || b1[1] == b2[1] || b1[2] != "spinlocal-dev-cattle-cache:/cache" {
		t.Errorf("binds = %v / %v", b1, b2)
	}

	if _, err := e.RemoveStack(alice, testPID, st.ID); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 4)
	for _, v := range e.Volumes(testPID) {
		wantRemoved := v.TemplateID != ""
		if (v.State == "removed") != wantRemoved {
			t.Errorf("after stack removal %s is %s", v.Name, v.State)
		}
	}
	for _, vt := range e.VolumeTemplates(testPID) {
		if vt.State != "removed" {
			t.Errorf("template %s is %s", vt.Name, vt.State)
		}
	}
	if names := fakeVolumeNames(eng); !slices.Equal(names, []string{
		"spinlocal-dev-cattle-cache"}) {
		t.Errorf("docker volumes left = %v", names)
	}
}

func TestExternalTemplateNeedsTheVolumeUnit(t *testing.T) {
	e, eng := newEmu(t)
	alice := Caller{User: "alice"}
	st := mustStack(t, e, "ext")
	if _, err := e.CreateVolumeTemplate(alice, testPID, VolumeTemplateInput{
		VolumeInput: VolumeInput{Name: "web.ext", Driver: DriverNFS}, StackID: st.ID,
		External: true}); err != nil {
		t.Fatal(err)
	}
	svc := volumeService(t, e, st, "web", 1, "web.ext:/srv")
	if svc.State != "error" || !strings.Contains(svc.TransitioningMessage, "web.ext") ||
		!strings.Contains(svc.TransitioningMessage, "rancher volume create") {
		t.Fatalf("service without its external volume: %s %q", svc.State,
			svc.TransitioningMessage)
	}
	if len(eng.callsWith("create ")) != 0 {
		t.Errorf("a container was created: %v", eng.callsWith("create "))
	}
	v, err := e.CreateVolume(t.Context(), alice, testPID, VolumeInput{Name: "web.ext",
		Driver: DriverNFS})
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.services[svc.ID].RetryAt = time.Time{} // the retry is due at once
	e.mu.Unlock()
	passes(t, e, 3)
	if got := volumeByName(t, e, "web.ext"); got.ID != v.ID || got.State != "active" {
		t.Errorf("external volume after retry = %+v", got)
	}
}

func TestVolumesSurviveReopenUnit(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngine()
	e := openEmu(t, dir, eng)
	v, err := e.CreateVolume(t.Context(), Caller{User: "alice"}, testPID,
		VolumeInput{Name: "keep"})
	if err != nil {
		t.Fatal(err)
	}
	st := mustStack(t, e, "s")
	vt, err := e.CreateVolumeTemplate(Caller{User: "alice"}, testPID, VolumeTemplateInput{
		VolumeInput: VolumeInput{Name: "data"}, StackID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := openEmu(t, dir, eng)
	if got, err := e2.Volume(testPID, v.ID); err != nil || got.Name != "keep" ||
		got.Owner != "alice" {
		t.Errorf("volume after reopen: %+v %v", got, err)
	}
	if got, err := e2.VolumeTemplate(testPID, vt.ID); err != nil || got.StackID != st.ID {
		t.Errorf("template after reopen: %+v %v", got, err)
	}
	_, err = e2.Volume(testPID, "1v999")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown volume: %v", err)
	}
}

// fakeVolumeNames lists the fake engine's Docker volumes, sorted.
func fakeVolumeNames(eng *fakeEngine) []string {
	list, _ := eng.ListVolumes(context.Background(), nil)
	var out []string
	for _, v := range list {
		out = append(out, v.Name)
	}
	return out
}
