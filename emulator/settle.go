package emulator

// settle moves services and stacks to their resting states once the containers are where
// they should be, and rolls health up. Callers hold e.mu.
func (e *Emulator) settle() {
	for _, svc := range sortedValues(e.services) {
		if svc.Removed != nil {
			continue
		}
		e.settleService(svc)
	}
	for _, st := range sortedValues(e.stacks) {
		if st.Removed != nil {
			continue
		}
		e.settleStack(st)
	}
}

func (e *Emulator) settleService(svc *Service) {
	live := e.liveContainers(svc.ID)
	before := svc.Meta
	health := svc.HealthState
	switch svc.State {
	case "removing":
		if len(live) == 0 {
			setState(&svc.Meta, "removed", "")
		}
	case "deactivating":
		if !anyIn(live, "running", "starting", "restarting", "stopping") {
			setState(&svc.Meta, "inactive", "")
		}
		health = "unhealthy"
	case "inactive":
		health = "unhealthy"
	case "upgrading", "finishing-upgrade", "rolling-back":
		if e.upgradeSettled(svc, live) {
			next := "upgraded"
			if svc.State != "upgrading" {
				next = "active"
				svc.Upgrade = nil
			}
			setState(&svc.Meta, next, "")
		}
		health = rollUp(e.runningUnits(svc, live), svc.Scale, runsContainers(svc))
	case "upgraded":
		health = rollUp(e.runningUnits(svc, live), svc.Scale, runsContainers(svc))
	case "activating", "updating-active", "error", "restarting", "active":
		running := e.runningUnits(svc, live)
		settled := running == svc.Scale || !runsContainers(svc)
		if svc.State == "restarting" && anyPending(live) {
			settled = false
		}
		if settled && svc.State != "active" {
			setState(&svc.Meta, "active", "")
			svc.Failures = 0
		}
		health = rollUp(running, svc.Scale, runsContainers(svc))
		if health == "healthy" && e.allStartedOnce(svc, live) {
			health = "started-once"
		}
	}
	if svc.Meta != before || health != svc.HealthState {
		svc.HealthState = health
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
	members := len(launchConfigNames(svc))
	perUnit := map[int]int{}
	for _, c := range live {
		if c.Retired || outdated(svc, c) {
			continue
		}
		if c.State == "running" || (c.State == "stopped" && startedOnce(svc, c)) {
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

// rollUp gives a service's health from its running units, as Cattle did for services
// without health checks.
func rollUp(running, scale int, hasContainers bool) string {
	switch {
	case !hasContainers || running >= scale:
		return "healthy"
	case running == 0:
		return "unhealthy"
	}
	return "degraded"
}

func (e *Emulator) settleStack(st *Stack) {
	before := st.Meta
	healthBefore := st.HealthState
	var states []string
	for _, svc := range e.services {
		if svc.StackID == st.ID && svc.Removed == nil {
			states = append(states, svc.HealthState)
		}
	}
	if st.State == "removing" && len(states) == 0 {
		setState(&st.Meta, "removed", "")
	}
	st.HealthState = stackHealth(states)
	if st.Meta != before || st.HealthState != healthBefore {
		e.persist(st)
	}
}

// stackHealth aggregates service health: healthy when all are (a start-once service that
// has run counts as healthy), started-once when all services are start-once and done,
// unhealthy when none is healthy.
func stackHealth(states []string) string {
	healthy, once := 0, 0
	for _, s := range states {
		switch s {
		case "healthy":
			healthy++
		case "started-once":
			once++
		}
	}
	switch {
	case len(states) > 0 && once == len(states):
		return "started-once"
	case healthy+once == len(states):
		return "healthy"
	case healthy+once == 0:
		return "unhealthy"
	}
	return "degraded"
}

// allStartedOnce reports whether a service is start-once and every unit has run and exited.
func (e *Emulator) allStartedOnce(svc *Service, live []*Container) bool {
	done := 0
	for _, c := range live {
		if !startedOnce(svc, c) {
			return false
		}
		if c.State == "stopped" {
			done++
		}
	}
	return done > 0
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
