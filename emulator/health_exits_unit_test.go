package emulator

import (
	"strings"
	"testing"
	"time"
)

func TestRestartDelayUnit(t *testing.T) {
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for exits, w := range want {
		if got := restartDelay(exits); got != w {
			t.Errorf("restartDelay(%d) = %s, want %s", exits, got, w)
		}
	}
	if got := restartDelay(1000); got != maxRestartDelay {
		t.Errorf("restartDelay(1000) = %s", got)
	}
}

// cattle-semantics 3.3: only running containers count toward service health, and a
// container started again after exiting on its own is not healthy until it has run for
// stableAfter; a start_once container that ran counts as started-once.
func TestServiceHealthOfExitedContainersUnit(t *testing.T) {
	e, _ := newEmu(t)
	now := time.Now()
	plain := &Service{Meta: Meta{Type: KindService}, Scale: 1,
		LaunchConfig: map[string]any{"imageUuid": "docker:x"}}
	once := &Service{Meta: Meta{Type: KindService}, Scale: 1,
		LaunchConfig: map[string]any{"imageUuid": "docker:x",
			"labels": map[string]any{"io.rancher.container.start_once": "true"}}}
	two := &Service{Meta: Meta{Type: KindService}, Scale: 2,
		LaunchConfig: plain.LaunchConfig}
	ct := func(index int, state string, exits int, ranFor time.Duration) *Container {
		c := &Container{Meta: Meta{State: state}, ServiceIndex: index, StartCount: 1,
			Exits: exits}
		if state == "running" {
			c.RunningSince = now.Add(-ranFor)
		}
		return c
	}
	tests := []struct {
		name string
		svc  *Service
		live []*Container
		want string
	}{
		{"running", plain, []*Container{ct(1, "running", 0, 0)}, "healthy"},
		{"exited, waiting to start again", plain, []*Container{ct(1, "stopped", 3, 0)},
			"unhealthy"},
		{"started again a moment ago", plain,
			[]*Container{ct(1, "running", 3, time.Second)}, "initializing"},
		{"started again and steady", plain,
			[]*Container{ct(1, "running", 3, stableAfter+time.Second)}, "healthy"},
		{"one of two exited", two,
			[]*Container{ct(1, "running", 0, 0), ct(2, "stopped", 2, 0)}, "degraded"},
		{"no container yet", plain, nil, "unhealthy"},
		{"start_once ran", once, []*Container{ct(1, "stopped", 0, 0)}, "started-once"},
	}
	for _, tt := range tests {
		if got := e.serviceHealth(tt.svc, tt.live, now); got != tt.want {
			t.Errorf("%s: health %q, want %q", tt.name, got, tt.want)
		}
	}
}

// exitNow makes the fake's next starts exit at once with code.
func exitNow(eng *fakeEngine, on bool, code int) {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	eng.exitOnStart = on
	for _, c := range eng.containers {
		c.status.ExitCode = code
	}
}

// backdate moves a container's last exit and start into the past, as time passing would.
func backdate(e *Emulator, name string, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.containers {
		if c.Name == name && c.Removed == nil {
			c.ExitedAt = c.ExitedAt.Add(-d)
			if !c.RunningSince.IsZero() {
				c.RunningSince = c.RunningSince.Add(-d)
			}
		}
	}
}

// cattle-semantics 4.6: an active service starts its containers again when they exit.
// One that exits every time is started again with a growing delay, never counts as
// healthy, and says why; once it stays up for stableAfter it is healthy again.
func TestCrashLoopIsPacedAndNeverHealthyUnit(t *testing.T) {
	e, eng := newEmu(t)
	eng.exitOnStart = true
	st := mustStack(t, e, "demo")
	svc := mustService(t, e, st.ID, "web", 1)
	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 1)
	exitNow(eng, true, 3)
	starts := func() int { return len(eng.callsWith("start")) }
	health := func() string { return getService(t, e, svc.ID).HealthState }

	passes(t, e, 1) // the first exit: started again at once
	if n := starts(); n != 2 {
		t.Fatalf("%d starts after the first exit, want 2", n)
	}
	passes(t, e, 5) // the second exit waits a second
	c := live(e, svc.ID)["demo-web-1"]
	if n := starts(); n != 2 || c.State != "stopped" || c.Exits != 2 {
		t.Fatalf("%d starts, container %s with %d exits: want 2 starts, stopped, 2",
			n, c.State, c.Exits)
	}
	if h := health(); h != "unhealthy" {
		t.Errorf("health of a service whose container keeps exiting: %s", h)
	}
	if !strings.Contains(c.TransitioningMessage, "exited with code 3, 2 times in a row") {
		t.Errorf("container message %q", c.TransitioningMessage)
	}
	// Its container started, so the service is active; its health says it is not up.
	got := getService(t, e, svc.ID)
	if got.State != "active" || !strings.Contains(got.TransitioningMessage,
		"demo-web-1 exited with code 3, 2 times in a row; waiting 1s") {
		t.Errorf("service %s, message %q", got.State, got.TransitioningMessage)
	}
	if h := getStack(t, e, st.ID).HealthState; h != "unhealthy" {
		t.Errorf("stack health %s", h)
	}

	// The delay is over and the process now stays up: it runs, but is not yet healthy.
	exitNow(eng, false, 0)
	backdate(e, "demo-web-1", restartDelay(2))
	passes(t, e, 1)
	c = live(e, svc.ID)["demo-web-1"]
	if c.State != "running" || starts() != 3 {
		t.Fatalf("after the delay: %s, %d starts", c.State, starts())
	}
	if h := health(); h != "initializing" {
		t.Errorf("health right after a restart: %s, want initializing", h)
	}
	backdate(e, "demo-web-1", stableAfter)
	passes(t, e, 1)
	got = getService(t, e, svc.ID)
	c = live(e, svc.ID)["demo-web-1"]
	if got.State != "active" || got.HealthState != "healthy" ||
		got.TransitioningMessage != "" || c.Exits != 0 {
		t.Errorf("steady: service %s/%s %q, container exits %d", got.State, got.HealthState,
			got.TransitioningMessage, c.Exits)
	}
}

// A container stopped with its service is not an exit: nothing is started again and its
// record of exits is dropped.
func TestStoppedServiceForgetsExitsUnit(t *testing.T) {
	e, eng := newEmu(t)
	eng.exitOnStart = true
	st := mustStack(t, e, "demo")
	svc := mustService(t, e, st.ID, "web", 1)
	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 3)
	if c := live(e, svc.ID)["demo-web-1"]; c.Exits != 2 {
		t.Fatalf("exits %d, want 2", c.Exits)
	}
	mustAction(t, e, svc.ID, "deactivate")
	passes(t, e, 2)
	c := live(e, svc.ID)["demo-web-1"]
	if got := getService(t, e, svc.ID); got.State != "inactive" || c.Exits != 0 ||
		c.TransitioningMessage != "" {
		t.Errorf("service %s, container exits %d message %q", got.State, c.Exits,
			c.TransitioningMessage)
	}
}
