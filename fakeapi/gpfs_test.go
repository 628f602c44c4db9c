package fakeapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dockerclient "github.com/docker/docker/client"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/mounts"
)

// gpfsFixture builds, in the daemon's /global tree, /global/cfs/cdirs/m1 with a private
// directory (0700), a group one (0750, file 0640) owned 10001:71234 and an open one (0777).
func gpfsFixture(t *testing.T, d *apitest.Daemon) mounts.Tree {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the fixture other owners")
	}
	tree := mounts.Tree{Root: d.GlobalRoot()}
	m1 := "/global/cfs/cdirs/m1"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tree.Mkdir(m1, true, 0o755))
	for dir, perm := range map[string]os.FileMode{"private": 0o700, "group": 0o750,
		"open": 0o777} {
		must(tree.Mkdir(m1+"/"+dir, false, perm))
		local, err := tree.Resolve(m1 + "/" + dir + "/file.txt")
		must(err)
		must(os.WriteFile(local, []byte(dir+"-data\n"), 0o640))
		must(os.Chmod(local, 0o640))
		must(os.Chown(local, 10001, 71234))
		if dir != "open" {
			must(tree.Chown(m1+"/"+dir, 10001, 71234))
		}
	}
	return tree
}

// gpfsProbe runs as root and reports what it may read and write under /data.
func gpfsProbe(extra map[string]any) map[string]any {
	lc := sleeper()
	lc["command"] = []string{"sh", "-c", strings.Join([]string{
		"ls /data/private >/dev/null 2>&1 && echo private-listed || echo private-denied",
		"cat /data/group/file.txt 2>/dev/null || echo group-denied",
		"touch /data/open/new 2>/dev/null && echo open-written || echo open-not-written",
		"trap 'exit 0' TERM; while true; do sleep 1; done"}, "\n")}
	for k, v := range extra {
		lc[k] = v
	}
	return lc
}

// runningService creates and activates a service and waits for it to be active.
func runningService(t *testing.T, c *client.Client, stack client.Resource, name string,
	lc map[string]any) client.Resource {
	t.Helper()
	svc := createService(t, c, stack, name, lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	return settle(t, c, reload(t, c, svc), "active")
}

func TestGPFSRootIsHeldToFileModes(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	gpfsFixture(t, d)
	stack := createStack(t, c, "gpfs")
	ro := []string{"/global/cfs/cdirs/m1:/data:ro"}
	plain := runningService(t, c, stack, "plain", gpfsProbe(map[string]any{
		"dataVolumes": ro}))
	group := runningService(t, c, stack, "group", gpfsProbe(map[string]any{
		"dataVolumes": ro, "groupAdd": []string{"71234"}}))
	writer := runningService(t, c, stack, "writer", gpfsProbe(map[string]any{
		"dataVolumes": []string{"/global/cfs/cdirs/m1:/data"}}))

	p := instances(t, c, plain)[0]
	expectLine(t, c, p, "private-denied")
	expectLine(t, c, p, "group-denied")
	expectLine(t, c, p, "open-not-written")
	g := instances(t, c, group)[0]
	expectLine(t, c, g, "private-denied")
	expectLine(t, c, g, "group-data")
	expectLine(t, c, g, "open-not-written")
	expectLine(t, c, instances(t, c, writer)[0], "open-written")

	// The stored launch config keeps /global; Docker got the local tree and the drops.
	stored := reload(t, c, plain)["launchConfig"].(map[string]any)["dataVolumes"]
	if !slices.Equal(toStrings(stored), ro) {
		t.Errorf("stored dataVolumes = %v", stored)
	}
	var info struct {
		HostConfig struct{ Binds, CapDrop []string }
	}
	if err := json.Unmarshal([]byte(inspectRaw(t, p.Str("externalId"))), &info); err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.EvalSymlinks(d.GlobalRoot())
	if want := root + "/cfs/cdirs/m1:/data:ro"; !slices.Equal(info.HostConfig.Binds,
		[]string{want}) {
		t.Errorf("docker binds %v, want %s", info.HostConfig.Binds, want)
	}
	for _, name := range mounts.DroppedCaps() {
		if !slices.Contains(info.HostConfig.CapDrop, "CAP_"+name) &&
			!slices.Contains(info.HostConfig.CapDrop, name) {
			t.Errorf("CapDrop %v lacks %s", info.HostConfig.CapDrop, name)
		}
	}
}

func TestGPFSMissingOtherExecuteFailsAsOnSpin(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	tree := gpfsFixture(t, d)
	if err := tree.Chmod("/global/cfs/cdirs/m1", "o-x"); err != nil {
		t.Fatal(err)
	}
	src := "/global/cfs/cdirs/m1/open/file.txt"
	svc := createService(t, c, createStack(t, c, "gpfsox"), "web", gpfsProbe(map[string]any{
		"dataVolumes": []string{src + ":/etc/app.conf:ro"}}), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	want := "error while creating mount source path '" + src + "': mkdir " + src +
		": permission denied"
	serviceFails(t, c, svc, "gpfsox-web-1: "+want)
	if !strings.Contains(d.Log(), "directory=/global/cfs/cdirs/m1") {
		t.Errorf("the daemon log does not name the directory without o+x")
	}
}

// serviceFails waits until the service is in error with msg in its transitioningMessage.
func serviceFails(t *testing.T, c *client.Client, svc client.Resource, msg string) {
	t.Helper()
	apitest.Eventually(t, 30*time.Second, func() string {
		r := reload(t, c, svc)
		if r.Str("state") != "error" || !strings.Contains(r.Str("transitioningMessage"), msg) {
			return apitest.Errf("service %s is %s (%s), want error with %q", r.Str("name"),
				r.Str("state"), r.Str("transitioningMessage"), msg)
		}
		return ""
	})
}

func TestGPFSEscapesAndMissingSourcesAreRefused(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	tree := gpfsFixture(t, d)
	outside := t.TempDir()
	link, err := tree.Resolve("/global/cfs/cdirs/m1/out")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	stack := createStack(t, c, "gpfsbad")
	cases := map[string]string{
		"dots":    "/global/cfs/../../etc",
		"link":    "/global/cfs/cdirs/m1/out/x",
		"missing": "/global/cfs/cdirs/m1/nothere/deeper",
	}
	svcs := map[string]client.Resource{}
	for name, src := range cases {
		svcs[name] = createService(t, c, stack, name, gpfsProbe(map[string]any{
			"dataVolumes": []string{src + ":/data"}}), 1)
		if _, err := c.Action(t.Context(), svcs[name], "activate", nil); err != nil {
			t.Fatal(err)
		}
	}
	serviceFails(t, c, svcs["dots"], cases["dots"]+" leaves the /global tree")
	serviceFails(t, c, svcs["link"], cases["link"]+" leaves the /global tree")
	serviceFails(t, c, svcs["missing"], "mount source "+cases["missing"]+" does not exist")
	serviceFails(t, c, svcs["missing"], "spinlocal gpfs mkdir -p "+cases["missing"])
	local, _ := tree.Resolve("/global/cfs/cdirs/m1/nothere")
	if _, err := os.Stat(local); !os.IsNotExist(err) {
		t.Errorf("the missing source was created: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("something was made outside the tree: %v", entries)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// inspectRaw is `docker inspect` of a container: Docker's raw JSON.
func inspectRaw(t *testing.T, id string) string {
	t.Helper()
	cli, err := dockerclient.NewClientWithOpts(dockerclient.FromEnv,
		dockerclient.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	_, raw, err := cli.ContainerInspectWithRaw(t.Context(), id, false)
	if err != nil {
		t.Fatalf("docker inspect %s: %v", id, err)
	}
	return string(raw)
}

// A mount source swapped for a symlink that leaves the tree after the container was made
// is caught when the container starts again: Docker would follow the link.
func TestGPFSSwapAfterCreateIsCaughtOnRestart(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	tree := gpfsFixture(t, d)
	stack := createStack(t, c, "gpfsswap")
	svc := runningService(t, c, stack, "app", gpfsProbe(map[string]any{
		"dataVolumes": []string{"/global/cfs/cdirs/m1/open:/data:ro"}}))
	local, err := tree.Resolve("/global/cfs/cdirs/m1/open")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(local); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", local); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), reload(t, c, svc), "restart",
		map[string]any{"rollingRestartStrategy": map[string]any{"batchSize": 1}}); err != nil {
		t.Fatal(err)
	}
	serviceFails(t, c, svc, "leaves the /global tree")
	for _, ct := range instances(t, c, svc) {
		if ct.Str("state") == "running" {
			t.Errorf("container %s runs with an escaping mount", ct.Str("name"))
		}
	}
}
