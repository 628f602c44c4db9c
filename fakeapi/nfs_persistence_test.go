package fakeapi_test

import (
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// A rancher-nfs volume is a Docker volume here: what a service writes to it is seen by the
// container an upgrade makes, and by the containers after a daemon restart, including one
// made after the restart.
func TestNFSVolumeDataSurvivesUpgradeAndRestart(t *testing.T) {
	d := apitest.Start(t, "")
	id, prefix, eng := d.Emu.DaemonID(), d.Prefix, d.Engine
	// Cleanups run last-registered first: containers go before their volumes.
	t.Cleanup(func() { removeDaemonVolumes(t, eng, id) })
	t.Cleanup(func() { apitest.Cleanup(t, eng, id, prefix) })
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			d.Stop()
		}
	})
	c := d.Client

	vol, err := c.Create(t.Context(), "volumes", map[string]any{"name": "db.nfskeep",
		"driver": "rancher-nfs"})
	if err != nil {
		t.Fatal(err)
	}
	dv := dockerVolumeOf(t, d, vol.Str("id"))
	stack := createStack(t, c, "nfskeep")
	lc := sleeper()
	lc["dataVolumes"] = []string{"db.nfskeep:/data"}
	svc := runningService(t, c, stack, "db", lc)
	first := runningInstance(t, c, svc, "")
	note := "kept-" + randomHex(t, 6)
	write := "echo " + note + " > /data/note && echo written"
	if out := shellIn(t, c, first, write); out != "written\n" {
		t.Fatalf("write to the volume: %q", out)
	}

	// An in-service upgrade with a changed launch config: the new container reads the
	// file; after finishupgrade the old one is gone.
	lc2 := sleeper()
	lc2["dataVolumes"] = []string{"db.nfskeep:/data"}
	lc2["environment"] = map[string]any{"VERSION": "2"}
	lc2["labels"] = map[string]any{"io.rancher.service.hash": "v2"}
	svc, err = c.Action(t.Context(), svc, "upgrade", upgradeBody(lc2, false))
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "upgraded")
	upgraded := runningInstance(t, c, svc, first.Str("id"))
	readNote(t, c, upgraded, note)
	if out := shellIn(t, c, upgraded, "echo $VERSION"); out != "2\n" {
		t.Errorf("the upgraded container has VERSION=%q", out)
	}
	svc, err = c.Action(t.Context(), svc, "finishupgrade", nil)
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "active")
	for _, ct := range instances(t, c, svc) {
		if ct.Str("id") == first.Str("id") && ct.Str("state") != "removed" {
			t.Errorf("old container %s is %s after finishupgrade", ct.Str("id"),
				ct.Str("state"))
		}
	}

	// The daemon stops (as if killed) and a new one starts on the same state dir.
	d.Stop()
	stopped = true
	d2 := apitest.StartPolicy(t, d.StateDir, apitest.AuditOff())
	t.Cleanup(d2.Stop)
	c2 := client.New(d2.Server.URL, c.AccessKey, c.SecretKey)
	c2.Project = c.Project
	v2, err := c2.Get(t.Context(), c2.ProjectURL()+"/volumes/"+vol.Str("id"))
	if err != nil || v2.Str("name") != "db.nfskeep" || v2.Str("driver") != "rancher-nfs" {
		t.Fatalf("volume after restart: %v %v", v2, err)
	}
	if again := dockerVolumeOf(t, d2, vol.Str("id")); again.Name != dv.Name {
		t.Errorf("docker volume %s after restart, was %s", again.Name, dv.Name)
	}
	svc2, err := c2.Get(t.Context(), c2.ProjectURL()+"/services/"+svc.Str("id"))
	if err != nil || svc2.Str("state") != "active" {
		t.Fatalf("service after restart: %v %v", svc2, err)
	}
	adopted := runningInstance(t, c2, svc2, "")
	if adopted.Str("id") != upgraded.Str("id") {
		t.Errorf("container after restart %s, want the upgraded %s", adopted.Str("id"),
			upgraded.Str("id"))
	}
	readNote(t, c2, adopted, note)

	// A container the restarted daemon makes mounts the same data.
	if _, err := c2.Delete(t.Context(), adopted); err != nil {
		t.Fatal(err)
	}
	readNote(t, c2, runningInstance(t, c2, svc2, adopted.Str("id")), note)
}

// readNote checks that a container sees the note on the volume.
func readNote(t *testing.T, c *client.Client, ct client.Resource, note string) {
	t.Helper()
	if out := shellIn(t, c, ct, "cat /data/note"); out != note+"\n" {
		t.Errorf("%s (%s) reads %q from the volume, want %q", ct.Str("name"), ct.Str("id"),
			out, note)
	}
}
