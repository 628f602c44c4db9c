package emulator

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

const testPID = DefaultProjectID

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openEmu opens an Emulator on dir with eng; it is closed when the test ends.
func openEmu(t *testing.T, dir string, eng engine.Engine) *Emulator {
	t.Helper()
	e, err := Open(Config{StateDir: dir, Engine: eng, Logger: quietLogger(), Policy: auditOff()})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func newEmu(t *testing.T) (*Emulator, *fakeEngine) {
	t.Helper()
	eng := newFakeEngine()
	return openEmu(t, t.TempDir(), eng), eng
}

func mustStack(t *testing.T, e *Emulator, name string) Stack {
	t.Helper()
	st, err := e.CreateStack(alice, testPID, StackInput{Name: name})
	if err != nil {
		t.Fatalf("CreateStack(%s): %v", name, err)
	}
	return st
}

func mustService(t *testing.T, e *Emulator, stackID, name string, scale int,
	sidekicks ...map[string]any) Service {
	t.Helper()
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: name, StackID: stackID,
		Scale: &scale, LaunchConfig: map[string]any{"imageUuid": "docker:nginx:1.25"},
		Secondary: sidekicks})
	if err != nil {
		t.Fatalf("CreateService(%s): %v", name, err)
	}
	return svc
}

func mustAction(t *testing.T, e *Emulator, id, action string) Service {
	t.Helper()
	svc, err := e.ServiceAction(alice, testPID, id, action, nil)
	if err != nil {
		t.Fatalf("ServiceAction(%s, %s): %v", id, action, err)
	}
	return svc
}

func mustScale(t *testing.T, e *Emulator, id string, scale int) Service {
	t.Helper()
	svc, err := e.UpdateService(alice, testPID, id, ServiceUpdate{Scale: &scale})
	if err != nil {
		t.Fatalf("UpdateService(%s, scale %d): %v", id, scale, err)
	}
	return svc
}

func passes(t *testing.T, e *Emulator, n int) {
	t.Helper()
	for range n {
		e.reconcileOnce(t.Context())
	}
}

func getService(t *testing.T, e *Emulator, id string) Service {
	t.Helper()
	svc, err := e.Service(testPID, id)
	if err != nil {
		t.Fatalf("Service(%s): %v", id, err)
	}
	return svc
}

func getStack(t *testing.T, e *Emulator, id string) Stack {
	t.Helper()
	st, err := e.Stack(testPID, id)
	if err != nil {
		t.Fatalf("Stack(%s): %v", id, err)
	}
	return st
}

// live returns a service's containers that are not removed, keyed by name.
func live(e *Emulator, serviceID string) map[string]Container {
	out := map[string]Container{}
	for _, c := range e.Containers(testPID) {
		if c.ServiceID == serviceID && c.Removed == nil {
			out[c.Name] = c
		}
	}
	return out
}

func liveNames(e *Emulator, serviceID string) []string {
	var names []string
	for n := range live(e, serviceID) {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// activeWeb creates stack demo with an activated service web of the given scale and
// reconciles once.
func activeWeb(t *testing.T, e *Emulator, scale int, sidekicks ...map[string]any) (Stack,
	Service) {
	t.Helper()
	st := mustStack(t, e, "demo")
	svc := mustService(t, e, st.ID, "web", scale, sidekicks...)
	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 1)
	return st, getService(t, e, svc.ID)
}

func TestServiceStaysInactiveUntilActivatedUnit(t *testing.T) {
	e, eng := newEmu(t)
	st := mustStack(t, e, "demo")
	svc := mustService(t, e, st.ID, "web", 2)
	if svc.State != "inactive" || svc.Transitioning != "no" {
		t.Fatalf("new service: state %s transitioning %s, want inactive/no", svc.State,
			svc.Transitioning)
	}
	passes(t, e, 2)
	if got := eng.callsWith("create"); len(got) != 0 {
		t.Fatalf("inactive service created containers: %v", got)
	}
	got := mustAction(t, e, svc.ID, "activate")
	if got.State != "activating" || got.Transitioning != "yes" {
		t.Fatalf("activate reply: state %s transitioning %s, want activating/yes", got.State,
			got.Transitioning)
	}
}

func TestReconcileNamesContainersAfterStackAndServiceUnit(t *testing.T) {
	e, eng := newEmu(t)
	st, svc := activeWeb(t, e, 1)
	if svc.State != "active" || svc.Transitioning != "no" || svc.HealthState != "healthy" {
		t.Fatalf("service after one pass: %s/%s/%s, want active/no/healthy", svc.State,
			svc.Transitioning, svc.HealthState)
	}
	if got := getStack(t, e, st.ID).HealthState; got != "healthy" {
		t.Errorf("stack health = %s, want healthy", got)
	}
	cs := live(e, svc.ID)
	c, ok := cs["demo-web-1"]
	if !ok || len(cs) != 1 {
		t.Fatalf("containers = %v, want only demo-web-1", liveNames(e, svc.ID))
	}
	if !hasPrefix(c.ID, prefixContainer) {
		t.Errorf("container id %q is not a 1i id", c.ID)
	}
	if c.State != "running" || c.ServiceIndex != 1 || c.CreateIndex != 1 ||
		c.StackID != st.ID || c.HostID != HostID || c.ImageUUID != "docker:nginx:1.25" {
		t.Errorf("container record = %+v", c)
	}
	fc := eng.byName("demo-web-1")
	if fc == nil {
		t.Fatalf("fake engine holds %v, want demo-web-1", eng.names())
	}
	if c.DockerID != fc.status.ID || c.IPAddress == "" || c.StartCount != 1 {
		t.Errorf("record dockerID %q ip %q starts %d; engine id %q", c.DockerID, c.IPAddress,
			c.StartCount, fc.status.ID)
	}
	spec := fc.spec
	if spec.Network != "spinlocal-dev-cattle" || spec.BindHost != "127.0.0.1" {
		t.Errorf("spec network %q bind %q", spec.Network, spec.BindHost)
	}
	for _, a := range []string{"demo-web-1", "web.demo", "web.demo.rancher.internal"} {
		if !slices.Contains(spec.Aliases, a) {
			t.Errorf("aliases %v lack %q", spec.Aliases, a)
		}
	}
	wantLabels := map[string]string{
		engine.LabelContainerID:         c.ID,
		engine.LabelDaemon:              e.DaemonID(),
		engine.LabelProjectID:           testPID,
		"io.rancher.stack.name":         "demo",
		"io.rancher.stack_service.name": "demo/web",
		"io.rancher.container.name":     "demo-web-1",
	}
	for k, v := range wantLabels {
		if spec.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, spec.Labels[k], v)
		}
	}
	if got := eng.networks; !slices.Equal(got, []string{"spinlocal-dev-cattle"}) {
		t.Errorf("networks ensured = %v", got)
	}
	// A further pass changes nothing.
	passes(t, e, 2)
	if got := eng.callsWith("create"); len(got) != 1 {
		t.Errorf("creates after settling: %v, want one", got)
	}
}

func TestReconcileReplacementTakesLowestFreeNumberUnit(t *testing.T) {
	e, eng := newEmu(t)
	_, svc := activeWeb(t, e, 1)
	if got := mustScale(t, e, svc.ID, 3); got.State != "updating-active" ||
		got.Transitioning != "yes" {
		t.Fatalf("scale reply: %s/%s, want updating-active/yes", got.State, got.Transitioning)
	}
	passes(t, e, 1)
	want := []string{"demo-web-1", "demo-web-2", "demo-web-3"}
	if got := liveNames(e, svc.ID); !slices.Equal(got, want) {
		t.Fatalf("after scale 3: %v, want %v", got, want)
	}
	if got := eng.running(); !slices.Equal(got, want) {
		t.Fatalf("engine running %v, want %v", got, want)
	}
	if s := getService(t, e, svc.ID); s.State != "active" || s.HealthState != "healthy" {
		t.Fatalf("service after scale up: %s/%s", s.State, s.HealthState)
	}
	old := live(e, svc.ID)["demo-web-2"]

	if !eng.removeByName("demo-web-2") {
		t.Fatal("fake has no demo-web-2")
	}
	passes(t, e, 1)
	if got := liveNames(e, svc.ID); !slices.Equal(got, want) {
		t.Fatalf("after losing unit 2: %v, want %v", got, want)
	}
	repl := live(e, svc.ID)["demo-web-2"]
	if repl.ID == old.ID || repl.ServiceIndex != 2 || repl.State != "running" {
		t.Errorf("replacement %s index %d state %s; old id %s", repl.ID, repl.ServiceIndex,
			repl.State, old.ID)
	}
	if repl.CreateIndex != 4 {
		t.Errorf("replacement createIndex = %d, want 4", repl.CreateIndex)
	}
	gone, err := e.Container(testPID, old.ID)
	if err != nil || gone.State != "removed" || gone.Removed == nil {
		t.Errorf("old record: %+v, %v; want removed", gone, err)
	}
	if got := eng.running(); !slices.Equal(got, want) {
		t.Errorf("engine running %v, want %v", got, want)
	}
}

func TestReconcileScaleDownRemovesHighestUnitsFirstUnit(t *testing.T) {
	e, eng := newEmu(t)
	_, svc := activeWeb(t, e, 3)
	before := live(e, svc.ID)
	mustScale(t, e, svc.ID, 1)

	e.mu.Lock()
	tasks := e.plan(time.Now())
	e.mu.Unlock()
	var removed []string
	for _, tk := range tasks {
		if tk.kind != "remove" {
			t.Errorf("unexpected %s task for %s", tk.kind, tk.container)
			continue
		}
		removed = append(removed, tk.container)
	}
	wantOrder := []string{before["demo-web-3"].ID, before["demo-web-2"].ID}
	if !slices.Equal(removed, wantOrder) {
		t.Fatalf("remove tasks %v, want %v (unit 3 then unit 2)", removed, wantOrder)
	}
	for _, n := range []string{"demo-web-2", "demo-web-3"} {
		c, _ := e.Container(testPID, before[n].ID)
		if c.State != "removing" || c.Transitioning != "yes" {
			t.Errorf("%s planned for removal shows %s/%s", n, c.State, c.Transitioning)
		}
	}

	passes(t, e, 1)
	if got := liveNames(e, svc.ID); !slices.Equal(got, []string{"demo-web-1"}) {
		t.Fatalf("after scale 1: %v", got)
	}
	if got := live(e, svc.ID)["demo-web-1"].ID; got != before["demo-web-1"].ID {
		t.Errorf("unit 1 was replaced: %s, was %s", got, before["demo-web-1"].ID)
	}
	if got := eng.names(); !slices.Equal(got, []string{"demo-web-1"}) {
		t.Errorf("engine holds %v, want demo-web-1", got)
	}
	if s := getService(t, e, svc.ID); s.State != "active" || s.Scale != 1 {
		t.Errorf("service: %s scale %d", s.State, s.Scale)
	}
}

func TestReconcileCreateFailureUnit(t *testing.T) {
	e, eng := newEmu(t)
	eng.setErrors(errors.New("Error response from daemon: No such image: nginx:1.25"), nil)
	_, svc := activeWeb(t, e, 1)

	if svc.State != "error" || svc.Transitioning != "error" {
		t.Fatalf("service: %s/%s, want error/error", svc.State, svc.Transitioning)
	}
	if !strings.Contains(svc.TransitioningMessage, "demo-web-1") ||
		!strings.Contains(svc.TransitioningMessage, "No such image: nginx:1.25") ||
		strings.Contains(svc.TransitioningMessage, "Error response from daemon") {
		t.Errorf("service message %q", svc.TransitioningMessage)
	}
	if svc.HealthState != "unhealthy" || svc.Failures != 1 || !svc.RetryAt.After(time.Now()) {
		t.Errorf("service health %s failures %d retryAt %v", svc.HealthState, svc.Failures,
			svc.RetryAt)
	}
	c, ok := live(e, svc.ID)["demo-web-1"]
	if !ok || c.State != "error" || c.Transitioning != "error" ||
		c.TransitioningMessage != "No such image: nginx:1.25" || c.DockerID != "" {
		t.Fatalf("container: %+v", c)
	}
	if got := eng.names(); len(got) != 0 {
		t.Fatalf("engine holds %v after a failed create", got)
	}
	// Backing off: a pass before RetryAt tries nothing.
	passes(t, e, 1)
	if got := eng.callsWith("create"); len(got) != 1 {
		t.Fatalf("creates during backoff: %v", got)
	}

	// Docker recovers and the backoff is over: the errored record goes, a new one runs.
	eng.setErrors(nil, nil)
	e.mu.Lock()
	e.services[svc.ID].RetryAt = time.Now().Add(-time.Second)
	e.mu.Unlock()
	passes(t, e, 1)
	s := getService(t, e, svc.ID)
	if s.State != "active" || s.Transitioning != "no" || s.TransitioningMessage != "" ||
		s.Failures != 0 {
		t.Errorf("service after recovery: %s/%s %q failures %d", s.State, s.Transitioning,
			s.TransitioningMessage, s.Failures)
	}
	old, _ := e.Container(testPID, c.ID)
	if old.State != "removed" {
		t.Errorf("errored record state %s, want removed", old.State)
	}
	now := live(e, svc.ID)["demo-web-1"]
	if now.ID == c.ID || now.State != "running" {
		t.Errorf("new demo-web-1: %+v", now)
	}
}

func TestReconcileStartFailureLeavesNothingUnit(t *testing.T) {
	e, eng := newEmu(t)
	eng.setErrors(nil, errors.New("port is already allocated"))
	_, svc := activeWeb(t, e, 1)
	if svc.State != "error" || !strings.Contains(svc.TransitioningMessage,
		"port is already allocated") {
		t.Fatalf("service: %s %q", svc.State, svc.TransitioningMessage)
	}
	c := live(e, svc.ID)["demo-web-1"]
	if c.State != "error" || c.DockerID != "" ||
		c.TransitioningMessage != "port is already allocated" {
		t.Errorf("container: %+v", c)
	}
	if got := eng.names(); len(got) != 0 {
		t.Errorf("engine holds %v after a failed start", got)
	}
	if len(eng.callsWith("remove")) != 1 {
		t.Errorf("calls %v: want the created container removed", eng.calls)
	}
}

func TestReconcileDeactivateStopsAndActivateRestartsUnit(t *testing.T) {
	e, eng := newEmu(t)
	st, svc := activeWeb(t, e, 2)
	before := live(e, svc.ID)
	if _, err := e.ServiceAction(alice, testPID, svc.ID, "activate", nil); err == nil {
		t.Error("activate on an active service succeeded")
	} else {
		assertAPIError(t, err, 422, "ActionNotAvailable", "action")
	}

	got := mustAction(t, e, svc.ID, "deactivate")
	if got.State != "deactivating" || got.Transitioning != "yes" {
		t.Fatalf("deactivate reply: %s/%s", got.State, got.Transitioning)
	}
	passes(t, e, 1)
	if r := eng.running(); len(r) != 0 {
		t.Fatalf("still running after deactivate: %v", r)
	}
	if n := eng.names(); len(n) != 2 {
		t.Fatalf("deactivate must stop, not remove: engine holds %v", n)
	}
	for n, c := range live(e, svc.ID) {
		if c.State != "stopped" || c.ID != before[n].ID {
			t.Errorf("%s: %s id %s, want stopped %s", n, c.State, c.ID, before[n].ID)
		}
	}
	s := getService(t, e, svc.ID)
	if s.State != "inactive" || s.Transitioning != "no" || s.HealthState != "unhealthy" {
		t.Errorf("service after deactivate: %s/%s/%s", s.State, s.Transitioning,
			s.HealthState)
	}
	if h := getStack(t, e, st.ID).HealthState; h != "unhealthy" {
		t.Errorf("stack health = %s, want unhealthy", h)
	}
	if _, err := e.ServiceAction(alice, testPID, svc.ID, "deactivate", nil); err == nil {
		t.Error("deactivate on an inactive service succeeded")
	}

	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 1)
	if r := eng.running(); len(r) != 2 {
		t.Fatalf("running after activate: %v", r)
	}
	for n, c := range live(e, svc.ID) {
		if c.State != "running" || c.ID != before[n].ID || c.StartCount != 2 {
			t.Errorf("%s: %s id %s starts %d", n, c.State, c.ID, c.StartCount)
		}
	}
	if n := len(eng.callsWith("create")); n != 2 {
		t.Errorf("activate re-created containers: %d creates", n)
	}
}

func TestReconcileRestartUnit(t *testing.T) {
	e, eng := newEmu(t)
	_, svc := activeWeb(t, e, 2)
	if got := mustAction(t, e, svc.ID, "restart"); got.State != "restarting" {
		t.Fatalf("restart reply state %s", got.State)
	}
	passes(t, e, 1)
	if n := len(eng.callsWith("stop")); n != 2 {
		t.Errorf("stops = %d, want 2", n)
	}
	for n, c := range live(e, svc.ID) {
		if c.State != "running" || c.StartCount != 2 || c.RestartPending {
			t.Errorf("%s after restart: %s starts %d pending %v", n, c.State, c.StartCount,
				c.RestartPending)
		}
	}
	if s := getService(t, e, svc.ID); s.State != "active" {
		t.Errorf("service after restart: %s", s.State)
	}
}

// cattle-semantics 4.6: an active service starts a container that exited on its own.
func TestReconcileRestartsExitedContainerUnit(t *testing.T) {
	e, eng := newEmu(t)
	_, svc := activeWeb(t, e, 1)
	before := live(e, svc.ID)["demo-web-1"]
	if !eng.crash("demo-web-1") {
		t.Fatal("fake has no running demo-web-1")
	}
	passes(t, e, 1)
	after := live(e, svc.ID)["demo-web-1"]
	if after.ID != before.ID || after.DockerID != before.DockerID ||
		after.State != "running" || after.StartCount != 2 {
		t.Errorf("after crash: %+v, before %+v", after, before)
	}
	if got := eng.running(); !slices.Equal(got, []string{"demo-web-1"}) {
		t.Errorf("engine running %v", got)
	}
	if n := len(eng.callsWith("create")); n != 1 {
		t.Errorf("%d creates: an exited container is started, not replaced", n)
	}
}

func TestReconcileStackRemovalCascadesUnit(t *testing.T) {
	e, eng := newEmu(t)
	st, web := activeWeb(t, e, 2)
	db := mustService(t, e, st.ID, "db", 1)
	mustAction(t, e, db.ID, "activate")
	other := mustStack(t, e, "other")
	keep := mustService(t, e, other.ID, "web", 1)
	mustAction(t, e, keep.ID, "activate")
	passes(t, e, 1)
	if n := len(eng.running()); n != 4 {
		t.Fatalf("running before removal: %v", eng.running())
	}

	got, err := e.RemoveStack(alice, testPID, st.ID)
	if err != nil || got.State != "removing" || got.Transitioning != "yes" {
		t.Fatalf("RemoveStack: %+v, %v", got, err)
	}
	for _, id := range []string{web.ID, db.ID} {
		if s := getService(t, e, id); s.State != "removing" {
			t.Errorf("service %s right after stack removal: %s", s.Name, s.State)
		}
	}
	passes(t, e, 2)
	st2 := getStack(t, e, st.ID)
	if st2.State != "removed" || st2.Removed == nil {
		t.Errorf("stack: %s removed=%v", st2.State, st2.Removed)
	}
	for _, id := range []string{web.ID, db.ID} {
		if s := getService(t, e, id); s.State != "removed" || s.Removed == nil {
			t.Errorf("service %s: %s", s.Name, s.State)
		}
	}
	for _, c := range e.Containers(testPID) {
		if c.StackID == st.ID && (c.State != "removed" || c.Removed == nil) {
			t.Errorf("container %s: %s", c.Name, c.State)
		}
	}
	if got := eng.names(); !slices.Equal(got, []string{"other-web-1"}) {
		t.Errorf("engine holds %v, want only other-web-1", got)
	}
	if _, err := e.CreateService(alice, testPID, ServiceInput{Name: "late", StackID: st.ID,
		LaunchConfig: map[string]any{"imageUuid": "docker:nginx"}}); err == nil {
		t.Error("service created in a removed stack")
	} else {
		assertAPIError(t, err, 422, "InvalidState", "stackId")
	}
	// The name is free again.
	again := mustStack(t, e, "demo")
	if again.ID == st.ID {
		t.Errorf("new stack reused id %s", st.ID)
	}
}

func TestReconcileSidekickUnit(t *testing.T) {
	e, eng := newEmu(t)
	logger := map[string]any{"name": "logger", "imageUuid": "docker:busybox:1.36"}
	_, svc := activeWeb(t, e, 1, logger)
	want := []string{"demo-web-1", "demo-web-logger-1"}
	if got := liveNames(e, svc.ID); !slices.Equal(got, want) {
		t.Fatalf("containers %v, want %v", got, want)
	}
	if got := eng.running(); !slices.Equal(got, want) {
		t.Fatalf("engine running %v, want %v", got, want)
	}
	cs := live(e, svc.ID)
	primary, side := cs["demo-web-1"], cs["demo-web-logger-1"]
	if side.LaunchConfig != "logger" || primary.LaunchConfig != "" {
		t.Errorf("launch config names: primary %q sidekick %q", primary.LaunchConfig,
			side.LaunchConfig)
	}
	if side.UnitUUID == "" || side.UnitUUID != primary.UnitUUID || side.ServiceIndex != 1 {
		t.Errorf("unit: primary %q sidekick %q index %d", primary.UnitUUID, side.UnitUUID,
			side.ServiceIndex)
	}
	if side.ImageUUID != "docker:busybox:1.36" {
		t.Errorf("sidekick image %q", side.ImageUUID)
	}
	spec := eng.byName("demo-web-logger-1").spec
	if img := engine.Image(spec.LaunchConfig); img != "busybox:1.36" {
		t.Errorf("sidekick spec image %q", img)
	}
	if !slices.Contains(spec.Aliases, "logger.web.demo") {
		t.Errorf("sidekick aliases %v", spec.Aliases)
	}
	if spec.Labels["io.rancher.service.launch.config"] != "logger" ||
		spec.Labels["io.rancher.stack_service.name"] != "demo/web/logger" {
		t.Errorf("sidekick labels %v", spec.Labels)
	}
	if s := getService(t, e, svc.ID); s.State != "active" {
		t.Errorf("service %s", s.State)
	}

	// Losing only the sidekick brings it back under the same number and unit.
	eng.removeByName("demo-web-logger-1")
	passes(t, e, 1)
	cs = live(e, svc.ID)
	if got := cs["demo-web-logger-1"]; got.ID == side.ID || got.UnitUUID != side.UnitUUID ||
		got.State != "running" {
		t.Errorf("replacement sidekick %+v (old id %s)", got, side.ID)
	}
	if cs["demo-web-1"].ID != primary.ID {
		t.Error("primary replaced when only the sidekick was lost")
	}

	mustScale(t, e, svc.ID, 2)
	passes(t, e, 1)
	want = []string{"demo-web-1", "demo-web-2", "demo-web-logger-1", "demo-web-logger-2"}
	if got := liveNames(e, svc.ID); !slices.Equal(got, want) {
		t.Errorf("scale 2 with a sidekick: %v, want %v", got, want)
	}
}

func TestReopenKeepsStateAndCountersUnit(t *testing.T) {
	dir := t.TempDir()
	eng := newFakeEngine()
	e, err := Open(Config{StateDir: dir, Engine: eng, Logger: quietLogger(), Policy: auditOff()})
	if err != nil {
		t.Fatal(err)
	}
	st, svc := activeWeb(t, e, 1)
	ctr := live(e, svc.ID)["demo-web-1"]
	daemon := e.DaemonID()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := openEmu(t, dir, eng)
	if e2.DaemonID() != daemon {
		t.Errorf("daemon id %s, was %s", e2.DaemonID(), daemon)
	}
	if got := getStack(t, e2, st.ID); got.Name != "demo" || got.State != "active" {
		t.Errorf("stack after reopen: %+v", got)
	}
	if got := getService(t, e2, svc.ID); got.Name != "web" || got.State != "active" ||
		got.Scale != 1 || got.CreateIndex != 1 {
		t.Errorf("service after reopen: %+v", got)
	}
	if got := live(e2, svc.ID)["demo-web-1"]; got.ID != ctr.ID || got.DockerID != ctr.DockerID {
		t.Errorf("container after reopen: %+v, was %+v", got, ctr)
	}
	// The reopened daemon finds its container and does not create another.
	passes(t, e2, 1)
	if n := len(eng.callsWith("create")); n != 1 {
		t.Errorf("creates after reopen: %d, want 1", n)
	}

	st2 := mustStack(t, e2, "next")
	svc2 := mustService(t, e2, st2.ID, "api", 1)
	for _, c := range []struct{ prev, next, prefix string }{
		{st.ID, st2.ID, prefixStack}, {svc.ID, svc2.ID, prefixService}} {
		got, want := idNumber(t, c.next, c.prefix), idNumber(t, c.prev, c.prefix)+1
		if got != want {
			t.Errorf("next %s id = %s, want number %d", c.prefix, c.next, want)
		}
	}
	mustAction(t, e2, svc2.ID, "activate")
	passes(t, e2, 1)
	c2 := live(e2, svc2.ID)["next-api-1"]
	if got, want := idNumber(t, c2.ID, prefixContainer), idNumber(t, ctr.ID,
		prefixContainer)+1; got != want {
		t.Errorf("next container id = %s, want number %d", c2.ID, want)
	}
}

func idNumber(t *testing.T, id, prefix string) int {
	t.Helper()
	if !hasPrefix(id, prefix) {
		t.Fatalf("%q is not a 1%s id", id, prefix)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(id, "1"+prefix))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateValidationUnit(t *testing.T) {
	e, _ := newEmu(t)
	st := mustStack(t, e, "demo")
	mustService(t, e, st.ID, "web", 1, map[string]any{"name": "logger",
		"imageUuid": "docker:busybox"})
	neg := -1
	tests := []struct {
		name        string
		in          ServiceInput
		code, field string
	}{
		{"bad characters", ServiceInput{Name: "web_2", StackID: st.ID},
			"InvalidCharacters", "name"},
		{"same name other case", ServiceInput{Name: "WEB", StackID: st.ID},
			"NotUnique", "name"},
		{"name of an existing sidekick", ServiceInput{Name: "Logger", StackID: st.ID},
			"NotUnique", "name"},
		{"sidekick named like a service", ServiceInput{Name: "api", StackID: st.ID,
			Secondary: []map[string]any{{"name": "web", "imageUuid": "docker:x"}}},
			"NotUnique", "name"},
		{"no image", ServiceInput{Name: "api", StackID: st.ID,
			LaunchConfig: map[string]any{}}, "MissingRequired", "launchConfig.imageUuid"},
		{"negative scale", ServiceInput{Name: "api", StackID: st.ID, Scale: &neg},
			"MinLimitExceeded", "scale"},
		{"unknown stack", ServiceInput{Name: "api", StackID: "1st999"},
			"InvalidReference", "stackId"},
	}
	for _, tt := range tests {
		if tt.in.LaunchConfig == nil {
			tt.in.LaunchConfig = map[string]any{"imageUuid": "docker:nginx"}
		}
		_, err := e.CreateService(alice, testPID, tt.in)
		if err == nil {
			t.Errorf("%s: CreateService succeeded", tt.name)
			continue
		}
		assertAPIError(t, err, 422, tt.code, tt.field)
	}

	if _, err := e.CreateStack(Caller{}, testPID, StackInput{Name: "DEMO"}); err == nil {
		t.Error("stack names must be unique case-insensitively")
	} else {
		assertAPIError(t, err, 422, "NotUnique", "name")
	}
	if _, err := e.CreateStack(Caller{}, testPID, StackInput{Name: "bad_name"}); err == nil {
		t.Error("stack name bad_name accepted")
	}
	// The same name is fine in another environment.
	if _, err := e.CreateStack(Caller{}, "1a1221788", StackInput{Name: "demo"}); err != nil {
		t.Errorf("demo in sandbox: %v", err)
	}
}

func TestUpdateScaleOnInactiveServiceCreatesNothingUnit(t *testing.T) {
	e, eng := newEmu(t)
	st := mustStack(t, e, "demo")
	svc := mustService(t, e, st.ID, "web", 1)
	got := mustScale(t, e, svc.ID, 3)
	if got.State != "inactive" || got.Scale != 3 {
		t.Fatalf("scale on inactive: %s scale %d", got.State, got.Scale)
	}
	passes(t, e, 1)
	if n := len(eng.callsWith("create")); n != 0 {
		t.Errorf("inactive service created %d containers", n)
	}
	neg := -2
	if _, err := e.UpdateService(alice, testPID, svc.ID, ServiceUpdate{Scale: &neg}); err == nil {
		t.Error("negative scale accepted")
	}
}
