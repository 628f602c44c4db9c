package emulator

import (
	"strings"
	"testing"
	"time"
)

// ownerPolicy turns the audit off and puts bob and carol in group csg.
func ownerPolicy(e *Emulator) {
	p := auditOff()
	p.Users = map[string]User{
		"alice": {Name: "alice", UID: 10001, Groups: []Group{{Name: "alice", GID: 10001}}},
		"bob":   {Name: "bob", UID: 10002, Groups: []Group{{Name: "csg", GID: 71234}}},
		"carol": {Name: "carol", UID: 10003, Groups: []Group{{Name: "csg", GID: 71234}}},
	}
	e.cfg.Policy = p
}

func mountLC(vols ...string) map[string]any {
	return map[string]any{"imageUuid": "docker:nginx:1.25", "dataVolumes": toAny(vols),
		"capDrop": []any{"ALL"}}
}

func assertVolumeRefusal(t *testing.T, what string, err error, name string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want Spin's 401 you don't own volume %s", what, name)
		return
	}
	ae := AsAPIError(err)
	if ae.Status != 401 || !ae.Spin || ae.Message != "you don't own volume "+name {
		t.Errorf("%s: %v, want Spin's 401 you don't own volume %s", what, err, name)
	}
}

// Mounting a volume reads and writes it: a service of another user's stack may not mount
// alice's volume, whether by a plain mount, an external template, a sidekick or an
// upgrade; alice may, and so may a member of her stack's group: tag, in her stack.
func TestOthersVolumesCannotBeMountedUnit(t *testing.T) {
	e, eng := newEmu(t)
	ownerPolicy(e)
	bob := Caller{User: "bob"}
	for _, in := range []VolumeInput{{Name: "shared"}, {Name: "db.nfs", Driver: DriverNFS}} {
		if _, err := e.CreateVolume(t.Context(), alice, testPID, in); err != nil {
			t.Fatal(err)
		}
	}
	theirs, err := e.CreateStack(bob, testPID, StackInput{Name: "steal"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateService(bob, testPID, ServiceInput{Name: "web", StackID: theirs.ID,
		LaunchConfig: mountLC("shared:/ext")})
	assertVolumeRefusal(t, "bob's mount of alice's volume", err, "shared")
	_, err = e.CreateService(bob, testPID, ServiceInput{Name: "web", StackID: theirs.ID,
		LaunchConfig: mountLC("/tmp/x"), Secondary: []map[string]any{{"name": "side",
			"imageUuid": "docker:nginx:1.25", "dataVolumes": []any{"db.nfs:/db:ro"}}}})
	assertVolumeRefusal(t, "bob's sidekick mount of alice's NFS volume", err, "db.nfs")
	_, err = e.CreateVolumeTemplate(bob, testPID, VolumeTemplateInput{
		VolumeInput: VolumeInput{Name: "db.nfs", Driver: DriverNFS}, StackID: theirs.ID,
		External: true})
	assertVolumeRefusal(t, "bob's external template of alice's volume", err, "db.nfs")

	// Bob's own service, upgraded to mount alice's volume.
	svc, err := e.CreateService(bob, testPID, ServiceInput{Name: "app", StackID: theirs.ID,
		LaunchConfig: mountLC("bobs:/data")})
	if err != nil {
		t.Fatalf("bob's service with a new volume: %v", err)
	}
	_, err = e.UpgradeService(bob, testPID, svc.ID, UpgradeInput{HasStrategy: true,
		LaunchConfig: mountLC("bobs:/data", "shared:/ext")})
	assertVolumeRefusal(t, "bob's upgrade to alice's volume", err, "shared")
	if _, err := e.ServiceAction(bob, testPID, svc.ID, "activate", nil); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	if v := volumeByName(t, e, "bobs"); v.Owner != "bob" {
		t.Errorf("a volume made by bob's mount belongs to %q", v.Owner)
	}
	for _, c := range eng.callsWith("create ") {
		if strings.Contains(c, "steal-web") {
			t.Errorf("a refused service reached Docker: %s", c)
		}
	}

	// Alice may; bob may in alice's stack once its group: tag names his group; carol,
	// also in the group, may not in her own stack.
	group := "owner:alice,group:csg"
	mine, err := e.CreateStack(alice, testPID, StackInput{Name: "mine", Group: group})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVolumeTemplate(alice, testPID, VolumeTemplateInput{
		VolumeInput: VolumeInput{Name: "db.nfs"}, StackID: mine.ID, External: true}); err != nil {
		t.Fatalf("alice's external template: %v", err)
	}
	if _, err := e.CreateService(alice, testPID, ServiceInput{Name: "db", StackID: mine.ID,
		LaunchConfig: mountLC("db.nfs:/db", "shared:/s")}); err != nil {
		t.Fatalf("alice's own volumes refused: %v", err)
	}
	if _, err := e.CreateService(bob, testPID, ServiceInput{Name: "web", StackID: mine.ID,
		LaunchConfig: mountLC("shared:/s")}); err != nil {
		t.Fatalf("a member of the stack's group refused: %v", err)
	}
	carols, err := e.CreateStack(Caller{User: "carol"}, testPID, StackInput{Name: "carols",
		Group: group})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateService(Caller{User: "carol"}, testPID, ServiceInput{Name: "web",
		StackID: carols.ID, LaunchConfig: mountLC("shared:/s")})
	assertVolumeRefusal(t, "a group member's own stack", err, "shared")
}

// A volume another user makes between the audit and the container is refused when the
// container is created: nothing reaches Docker and the service says why.
func TestVolumeMadeAfterTheAuditIsRefusedAtCreateUnit(t *testing.T) {
	e, eng := newEmu(t)
	bob := Caller{User: "bob"}
	st, err := e.CreateStack(bob, testPID, StackInput{Name: "late"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := e.CreateService(bob, testPID, ServiceInput{Name: "web", StackID: st.ID,
		LaunchConfig: mountLC("soon:/s")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateVolume(t.Context(), alice, testPID, VolumeInput{Name: "soon"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ServiceAction(bob, testPID, svc.ID, "activate", nil); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	svc = getService(t, e, svc.ID)
	if svc.State != "error" || !strings.Contains(svc.TransitioningMessage,
		"you don't own volume soon") {
		t.Fatalf("service mounting a volume alice made since: %s %q", svc.State,
			svc.TransitioningMessage)
	}
	if calls := eng.callsWith("create "); len(calls) != 0 {
		t.Errorf("a container was created: %v", calls)
	}
	if v := volumeByName(t, e, "soon"); len(v.Mounts) != 0 || v.Used {
		t.Errorf("alice's volume was bound: %+v", v)
	}
	// Alice's own stack still mounts it.
	mine := mustStack(t, e, "mine")
	volumeService(t, e, mine, "db", 1, "soon:/s")
	if v := volumeByName(t, e, "soon"); len(v.Mounts) != 1 {
		t.Errorf("alice's mount: %+v", v)
	}
	e.mu.Lock()
	e.services[svc.ID].RetryAt = time.Time{}
	e.mu.Unlock()
	passes(t, e, 2)
	if v := volumeByName(t, e, "soon"); len(v.Mounts) != 1 {
		t.Errorf("bob's retry bound alice's volume: %+v", v.Mounts)
	}
}

// The audit has the stack's name only: a name used in two environments is held to each,
// and a volume that is the caller's in one of them passes the audit; the container check
// still refuses the other.
func TestVolumeCheckWithOneStackNameInTwoEnvironmentsUnit(t *testing.T) {
	e, _ := newEmu(t)
	bob := Caller{User: "bob"}
	p, err := e.CreateProject(bob, ProjectInput{Name: "bobs-env"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVolume(t.Context(), alice, testPID, VolumeInput{Name: "v1"}); err != nil {
		t.Fatal(err)
	}
	here, err := e.CreateStack(bob, testPID, StackInput{Name: "same"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.CreateService(bob, testPID, ServiceInput{Name: "web", StackID: here.ID,
		LaunchConfig: mountLC("v1:/s")})
	assertVolumeRefusal(t, "one stack of the name", err, "v1")
	if _, err := e.CreateStack(bob, p.ID, StackInput{Name: "same"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateService(bob, testPID, ServiceInput{Name: "web", StackID: here.ID,
		LaunchConfig: mountLC("v1:/s")}); err != nil {
		t.Fatalf("the name's stack in bob's environment would make v1 for bob: %v", err)
	}
}
