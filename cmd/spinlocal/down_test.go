package main

import (
	"context"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// liveVolumes names the volumes of dev-cattle that are not removed.
func liveVolumes(t *testing.T, d *apitest.Daemon) map[string]bool {
	t.Helper()
	vols, err := d.Client.List(t.Context(), "volumes", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, v := range vols {
		out[v.Str("name")] = true
	}
	return out
}

// down -v removes the stack's own volume and the environment volume only it used, keeps
// the one another stack mounts and the one it declares external.
func TestDownVolumes(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	common := daemonArgs(d)
	// up acts as the owner of the volume made here: another user may not mount it.
	t.Setenv("SPINLOCAL_USER", "elvis")
	if _, err := d.Client.Create(t.Context(), "volumes",
		map[string]any{"name": "shared"}); err != nil {
		t.Fatal(err)
	}
	keeper := writeProject(t, "keeper", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n    volumes:\n"+
		"      - data:/data\n      - cache:/cache\n      - common:/common\n"+
		"      - shared:/shared\nvolumes:\n  data: {}\n  shared:\n    external: true\n", "")
	other := writeProject(t, "other", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n    volumes: ['common:/common']\n",
		"")
	for _, f := range []string{keeper, other} {
		if out, code, err := runApp(t, nil, append([]string{"up", "-d", "-f", f},
			common...)...); code != 0 {
			t.Fatalf("up: %v\n%s", err, out)
		}
	}
	var stackVolume string
	for name := range liveVolumes(t, d) {
		if strings.HasPrefix(name, "keeper_data_") {
			stackVolume = name
		}
	}
	if stackVolume == "" {
		t.Fatalf("no stack volume: %v", liveVolumes(t, d))
	}

	out, code, err := runApp(t, nil, append([]string{"down", "-v", "-s", "keeper"},
		common...)...)
	if code != 0 {
		t.Fatalf("down -v: %v\n%s", err, out)
	}
	for _, want := range []string{"Removed stack keeper", "Removed volume " + stackVolume,
		"Removed volume cache", "Kept volume common: used by container other-app-1",
		"Kept volume shared: the stack declares it external"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	live := liveVolumes(t, d)
	if live[stackVolume] || live["cache"] || !live["common"] || !live["shared"] {
		t.Errorf("volumes after down -v: %v", live)
	}
	dockerVols, err := d.Engine.ListVolumes(context.Background(),
		map[string]string{engine.LabelDaemon: d.Emu.DaemonID()})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range dockerVols {
		if strings.HasSuffix(v.Name, "-cache") || strings.Contains(v.Name, "keeper_data") {
			t.Errorf("Docker volume %s left", v.Name)
		}
	}
}

// down without -v leaves environment volumes; down of a missing stack says so, names the
// stacks there are, and changes nothing.
func TestDownWithoutVolumesAndOfAMissingStack(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	common := daemonArgs(d)
	file := writeProject(t, "keeper", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n    volumes: ['cache:/cache']\n", "")
	if out, code, err := runApp(t, nil, append([]string{"up", "-d", "-f", file},
		common...)...); code != 0 {
		t.Fatalf("up: %v\n%s", err, out)
	}
	out, code, err := runApp(t, nil, append([]string{"down", "-s", "nope"}, common...)...)
	if code != 1 || err == nil || !strings.Contains(err.Error(),
		"no stack named nope in dev-cattle (its stacks: keeper); nothing was removed") {
		t.Fatalf("down of a missing stack: %d %v\n%s", code, err, out)
	}
	out, code, err = runApp(t, nil, append([]string{"down", "-f", file}, common...)...)
	if code != 0 || !strings.Contains(out, "Removed stack keeper") ||
		strings.Contains(out, "volume") {
		t.Fatalf("down: %d %v\n%s", code, err, out)
	}
	if !liveVolumes(t, d)["cache"] {
		t.Errorf("down without -v removed the environment volume")
	}
	out, code, err = runApp(t, nil, append([]string{"down", "-s", "keeper"}, common...)...)
	if code != 1 || !strings.Contains(err.Error(), "it has no stacks") {
		t.Fatalf("second down: %d %v\n%s", code, err, out)
	}
}
