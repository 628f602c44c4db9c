package emulator

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/mounts"
)

// globalService creates and activates service name of a new stack whose launch config is
// lc, reconciles twice and returns it.
func globalService(t *testing.T, e *Emulator, name string, lc map[string]any) Service {
	t.Helper()
	st := mustStack(t, e, "g"+name)
	scale := 1
	lc["imageUuid"] = "docker:nginx:1.25"
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: name, StackID: st.ID,
		Scale: &scale, LaunchConfig: lc})
	if err != nil {
		t.Fatalf("CreateService(%s): %v", name, err)
	}
	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 2)
	return getService(t, e, svc.ID)
}

// gpfsTree is the emulator's /global tree with /global/cfs/cdirs/m1/www (all 0755).
func gpfsTree(t *testing.T, e *Emulator) mounts.Tree {
	t.Helper()
	tree := mounts.Tree{Root: e.cfg.GlobalRoot}
	if err := tree.Mkdir("/global/cfs/cdirs/m1/www", true, 0o755); err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestGlobalMountMapsAndDropsCapsUnit(t *testing.T) {
	e, eng := newEmu(t)
	if e.cfg.GlobalRoot != filepath.Join(e.cfg.StateDir, "global") {
		t.Fatalf("default root %s", e.cfg.GlobalRoot)
	}
	gpfsTree(t, e)
	vols := []any{"/global/cfs/cdirs/m1/www:/srv:ro", "/scratch"}
	svc := globalService(t, e, "web", map[string]any{"dataVolumes": vols,
		"capAdd": []any{"chown", "NET_BIND_SERVICE"}})
	if svc.State != "active" {
		t.Fatalf("service %s: %s", svc.State, svc.TransitioningMessage)
	}
	c := eng.byName("gweb-web-1")
	root, _ := filepath.EvalSymlinks(e.cfg.GlobalRoot)
	want := []string{root + "/cfs/cdirs/m1/www:/srv:ro", "/scratch"}
	if got := stringList(c.spec.LaunchConfig["dataVolumes"]); !slices.Equal(got, want) {
		t.Errorf("binds %v, want %v", got, want)
	}
	if !slices.Equal(c.spec.CapDrop, mounts.DroppedCaps()) {
		t.Errorf("CapDrop %v", c.spec.CapDrop)
	}
	for _, ct := range live(e, svc.ID) {
		if got := stringList(ct.Spec["dataVolumes"]); !slices.Equal(got,
			[]string{"/global/cfs/cdirs/m1/www:/srv:ro", "/scratch"}) {
			t.Errorf("stored launch config changed: %v", got)
		}
	}

	plain := globalService(t, e, "plain", map[string]any{"dataVolumes": []any{"/x:/y"}})
	if c := eng.byName("gplain-plain-1"); plain.State != "active" || c.spec.CapDrop != nil {
		t.Errorf("a container without /global: %s, CapDrop %v", plain.State, c.spec.CapDrop)
	}
}

// failedWith checks that the service and its container are in error with msg.
func failedWith(t *testing.T, e *Emulator, svc Service, msg string) {
	t.Helper()
	if svc.State != "error" || !strings.Contains(svc.TransitioningMessage, msg) {
		t.Fatalf("service %s %q, want error with %q", svc.State, svc.TransitioningMessage,
			msg)
	}
	for _, c := range e.Containers(testPID) {
		if c.ServiceID == svc.ID && c.State == "error" &&
			strings.Contains(c.TransitioningMessage, msg) {
			return
		}
	}
	t.Errorf("no container of %s in error with %q", svc.Name, msg)
}

func TestGlobalMountRefusalsUnit(t *testing.T) {
	e, eng := newEmu(t)
	tree := gpfsTree(t, e)
	if err := tree.Chmod("/global/cfs/cdirs/m1", "750"); err != nil {
		t.Fatal(err)
	}
	src := "/global/cfs/cdirs/m1/www/nginx-proxy.conf"
	svc := globalService(t, e, "ox", map[string]any{"dataVolumes": []any{src + ":/c:ro"}})
	failedWith(t, e, svc, "error while creating mount source path '"+src+"': mkdir "+src+
		": permission denied")

	missing := "/global/cfs/cdirs/m2/data"
	svc = globalService(t, e, "missing", map[string]any{"dataVolumes": []any{missing + ":/d"}})
	failedWith(t, e, svc, missing)
	failedWith(t, e, svc, "spinlocal gpfs mkdir")
	if _, err := os.Stat(filepath.Join(tree.Root, "cfs/cdirs/m2")); !os.IsNotExist(err) {
		t.Errorf("the missing source was created: %v", err)
	}

	svc = globalService(t, e, "dots", map[string]any{"dataVolumes": []any{
		"/global/../etc:/etc2"}})
	failedWith(t, e, svc, "/global/../etc leaves the /global tree")

	if err := tree.Chmod("/global/cfs/cdirs/m1", "755"); err != nil {
		t.Fatal(err)
	}
	svc = globalService(t, e, "priv", map[string]any{"privileged": true,
		"dataVolumes": []any{"/global/cfs/cdirs/m1/www:/srv"}})
	failedWith(t, e, svc, "cannot be privileged")
	if len(eng.callsWith("create")) != 0 {
		t.Errorf("engine creates: %v", eng.callsWith("create"))
	}
}
