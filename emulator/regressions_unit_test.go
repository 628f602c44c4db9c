package emulator

import "testing"

// cattle-semantics 3.3/3.4 and cattle-api 8.1: a start_once service whose containers ran
// and exited reports healthState "started-once", and a stack of such services does too.
func TestStartOnceServiceHealthUnit(t *testing.T) {
	e, eng := newEmu(t)
	eng.exitOnStart = true
	st := mustStack(t, e, "jobs")
	one := 1
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: "migrate", StackID: st.ID,
		Scale: &one, LaunchConfig: map[string]any{"imageUuid": "docker:busybox",
			"labels": map[string]any{"io.rancher.container.start_once": "true"}}})
	if err != nil {
		t.Fatal(err)
	}
	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 2)
	c := live(e, svc.ID)["jobs-migrate-1"]
	if c.State != "stopped" || c.StartCount != 1 {
		t.Fatalf("start_once container: %s starts %d", c.State, c.StartCount)
	}
	got := getService(t, e, svc.ID)
	if got.State != "active" || got.HealthState != "started-once" {
		t.Errorf("service %s/%s, want active/started-once", got.State, got.HealthState)
	}
	if h := getStack(t, e, st.ID).HealthState; h != "started-once" {
		t.Errorf("stack health %s, want started-once", h)
	}
}

// cattle-semantics 2.4: sidekick names share the service-name namespace and its rules;
// a bad name is 422 InvalidCharacters. spinlocal accepts it and later names a container
// and a DNS alias after it.
func TestSidekickNameIsValidatedUnit(t *testing.T) {
	e, _ := newEmu(t)
	st := mustStack(t, e, "demo")
	_, err := e.CreateService(alice, testPID, ServiceInput{Name: "web", StackID: st.ID,
		LaunchConfig: map[string]any{"imageUuid": "docker:nginx"},
		Secondary:    []map[string]any{{"name": "log_ger", "imageUuid": "docker:busybox"}}})
	if err == nil {
		t.Fatal("sidekick name log_ger accepted")
	}
	assertAPIError(t, err, 422, "InvalidCharacters", "name")
}
