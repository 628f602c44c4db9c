package emulator

import "time"

// settle moves services, stacks and environments to their resting states once the
// containers are where they should be, and rolls health up. Callers hold e.mu.
func (e *Emulator) settle() {
	now := time.Now()
	for _, svc := range sortedValues(e.services) {
		if svc.Removed != nil {
			continue
		}
		e.settleService(svc, now)
	}
	for _, st := range sortedValues(e.stacks) {
		if st.Removed != nil {
			continue
		}
		e.settleStack(st)
	}
	for _, p := range sortedValues(e.projects) {
		e.settleProject(p)
	}
}

func (e *Emulator) settleService(svc *Service, now time.Time) {
	live := e.liveContainers(svc.ID)
	before := svc.Meta
	healthBefore := svc.HealthState
	switch svc.State {
	case "removing":
		if len(live) == 0 {
			setState(&svc.Meta, "removed", "")
		}
	case "deactivating":
		if !anyIn(live, "running", "starting", "restarting", "stopping") {
			setState(&svc.Meta, "inactive", "")
		}
	case "upgrading", "finishing-upgrade", "rolling-back":
		if e.upgradeSettled(svc, live) {
			next := "upgraded"
			if svc.State != "upgrading" {
				next = "active"
				svc.Upgrade = nil
			}
			setState(&svc.Meta, next, "")
		}
	case "activating", "updating-active", "error", "restarting":
		settled := e.startedUnits(svc, live) == svc.Scale || !runsContainers(svc)
		if svc.State == "restarting" && anyPending(live) {
			settled = false
		}
		switch {
		case svc.ErrorDuring != "":
			// Back to the upgrade step that failed once the failed member runs; the
			// upgrade goes on and settles from there.
			if !anyIn(current(live), "error", "creating", "starting") {
				setState(&svc.Meta, svc.ErrorDuring, "")
				svc.ErrorDuring, svc.Failures = "", 0
			}
		case settled:
			setState(&svc.Meta, "active", "")
			svc.Failures = 0
		}
	}
	svc.HealthState = e.serviceHealth(svc, live, now)
	if (svc.State == "active" || svc.State == "activating") && runsContainers(svc) {
		// As Cattle did, say why the service's containers do not stay up.
		svc.TransitioningMessage = exitMessage(live, now)
	}
	if svc.Meta != before || svc.HealthState != healthBefore {
		e.persist(svc)
	}
}

// upgradeSettled reports whether an upgrade step is done: every unit runs the current
// configs, and retired containers are stopped (upgrading) or gone (finish, rollback).
func (e *Emulator) upgradeSettled(svc *Service, live []*Container) bool {
	if runsContainers(svc) && e.runningUnits(svc, live) != svc.Scale {
		return false
	}
	for _, c := range live {
		switch {
		case c.Retired && svc.State != "upgrading":
			return false
		case c.Retired && c.State != "stopped" && c.State != "error":
			return false
		case !c.Retired && outdated(svc, c):
			return false
		}
	}
	return true
}

// runningUnits counts units whose every member is running (or ran once, for start_once).
func (e *Emulator) runningUnits(svc *Service, live []*Container) int {
	return countUnits(svc, live, func(c *Container) bool {
		return c.State == "running" || (c.State == "stopped" && startedOnce(svc, c))
	})
}

// startedUnits counts units whose every member started: it runs, ran once (start_once),
// or exited on its own and is started again by the reconciler (health_exits.go). A
// service is activated once all its units started: one whose containers keep exiting
// shows it in its health and message, and is not held in activating, where Cattle left
// it with a transitioning error, so that the rest of a stack still deploys.
func (e *Emulator) startedUnits(svc *Service, live []*Container) int {
	return countUnits(svc, live, func(c *Container) bool {
		return c.State == "running" || (c.State == "stopped" &&
			(startedOnce(svc, c) || c.Exits > 0))
	})
}

// countUnits counts the units of current containers whose every member is ok.
func countUnits(svc *Service, live []*Container, ok func(*Container) bool) int {
	members := len(launchConfigNames(svc))
	perUnit := map[int]int{}
	for _, c := range live {
		if c.Retired || outdated(svc, c) {
			continue
		}
		if ok(c) {
			perUnit[c.ServiceIndex]++
		}
	}
	n := 0
	for _, count := range perUnit {
		if count == members {
			n++
		}
	}
	return n
}

// serviceHealth rolls container health up to the service as Cattle did (semantics 3.3):
// only running containers count, and one started again after exiting on its own counts as
// initializing until it has run for stableAfter, so a crash loop is never healthy.
// Callers hold e.mu.
func (e *Emulator) serviceHealth(svc *Service, live []*Container, now time.Time) string {
	if !runsContainers(svc) {
		return "healthy"
	}
	var healthy, initializing, once int
	for _, c := range live {
		if c.Retired || outdated(svc, c) {
			continue
		}
		switch {
		case startedOnce(svc, c) && (c.State == "stopped" || c.State == "stopping"):
			once++
		case c.State != "running":
		case unsteady(c, now):
			initializing++
		case c.HealthState == "" || c.HealthState == "healthy":
			healthy++
		case c.HealthState == "initializing" || c.HealthState == "reinitializing":
			initializing++
		}
	}
	return rollUp(svc.Scale*len(launchConfigNames(svc)), healthy, initializing, once)
}

// rollUp applies Cattle's service health rule, first match wins: started-once, healthy,
// initializing, degraded, unhealthy.
func rollUp(expected, healthy, initializing, once int) string {
	switch {
	case once > 0 && once >= expected:
		return "started-once"
	case healthy+once >= expected:
		return "healthy"
	case initializing > 0:
		return "initializing"
	case healthy > 0:
		return "degraded"
	}
	return "unhealthy"
}

func (e *Emulator) settleStack(st *Stack) {
	before := st.Meta
	healthBefore := st.HealthState
	var members []memberHealth
	for _, svc := range e.services {
		if svc.StackID != st.ID || svc.Removed != nil || svc.State == "removing" {
			continue
		}
		members = append(members, memberHealth{active: activeService[svc.State],
			health: svc.HealthState})
	}
	if st.State == "removing" && !e.stackHasServices(st.ID) {
		setState(&st.Meta, "removed", "")
	}
	st.HealthState = stackHealth(members)
	if st.Meta != before || st.HealthState != healthBefore {
		e.persist(st)
	}
}

func (e *Emulator) stackHasServices(id string) bool {
	for _, svc := range e.services {
		if svc.StackID == id && svc.Removed == nil {
			return true
		}
	}
	return false
}

// activeService are the service states Cattle counts as active for stack health.
var activeService = map[string]bool{"activating": true, "active": true,
	"updating-active": true, "upgrading": true, "rolling-back": true,
	"canceling-upgrade": true, "canceled-upgrade": true, "finishing-upgrade": true,
	"upgraded": true, "restarting": true}

// memberHealth is one service as stack health sees it.
type memberHealth struct {
	active bool
	health string
}

// stackHealth aggregates service health as Cattle did (semantics 3.4).
func stackHealth(members []memberHealth) string {
	allOnce, allGood := true, true
	var initializing, good bool
	for _, m := range members {
		okHealth := m.health == "healthy" || m.health == "started-once"
		if !m.active || m.health != "started-once" {
			allOnce = false
		}
		if !m.active || !okHealth {
			allGood = false
		}
		if m.health == "initializing" {
			initializing = true
		}
		if okHealth {
			good = true
		}
	}
	switch {
	case len(members) == 0:
		return "healthy"
	case allOnce:
		return "started-once"
	case allGood:
		return "healthy"
	case initializing:
		return "initializing"
	case good:
		return "degraded"
	}
	return "unhealthy"
}

func anyIn(cs []*Container, states ...string) bool {
	for _, c := range cs {
		for _, s := range states {
			if c.State == s {
				return true
			}
		}
	}
	return false
}

func anyPending(cs []*Container) bool {
	for _, c := range cs {
		if c.RestartPending {
			return true
		}
	}
	return false
}

// current leaves out the retired containers of an upgrade.
func current(live []*Container) []*Container {
	var out []*Container
	for _, c := range live {
		if !c.Retired {
			out = append(out, c)
		}
	}
	return out
}
