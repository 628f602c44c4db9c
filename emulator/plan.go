package emulator

import (
	"fmt"
	"sort"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// member identifies one launch config of a unit: "" is the primary.
type member struct {
	index int
	name  string
}

// plan decides the Docker work of a pass. Callers hold e.mu.
func (e *Emulator) plan(now time.Time) []task {
	var tasks []task
	for _, c := range sortedValues(e.containers) {
		if c.Removed == nil && c.State == "removing" {
			tasks = append(tasks, task{kind: "remove", container: c.ID, dockerID: c.DockerID})
		}
	}
	for _, svc := range sortedValues(e.services) {
		if svc.Removed != nil {
			continue
		}
		tasks = append(tasks, e.planService(svc, now)...)
	}
	return append(tasks, e.planRenames()...)
}

// planRenames gives back its Cattle name to a container that got a suffixed Docker name
// because the name was busy (an upgrade's old container, a replacement made while the old
// one was still there) once no container of ours holds it. Callers hold e.mu.
func (e *Emulator) planRenames() []task {
	held := map[string]bool{}
	for _, c := range e.containers {
		if c.Removed == nil && c.DockerName != "" {
			held[c.DockerName] = true
		}
	}
	var tasks []task
	for _, c := range sortedValues(e.containers) {
		if c.Removed != nil || c.Retired || c.NameTaken || c.DockerID == "" ||
			c.DockerName == "" || c.DockerName == c.Name || held[c.Name] {
			continue
		}
		if c.State != "running" && c.State != "stopped" {
			continue
		}
		held[c.Name] = true
		tasks = append(tasks, task{kind: "rename", container: c.ID, dockerID: c.DockerID,
			spec: engine.Spec{Name: c.Name}})
	}
	return tasks
}

// planService decides the work for one service from its state. Callers hold e.mu.
func (e *Emulator) planService(svc *Service, now time.Time) []task {
	live := e.liveContainers(svc.ID)
	switch svc.State {
	case "removing":
		var tasks []task
		for _, c := range live {
			if c.State != "removing" {
				setState(&c.Meta, "removing", "")
				e.persist(c)
				tasks = append(tasks, task{kind: "remove", container: c.ID,
					dockerID: c.DockerID})
			}
		}
		return tasks
	case "deactivating":
		var tasks []task
		for _, c := range live {
			if c.State == "running" || c.State == "starting" || c.State == "restarting" {
				tasks = append(tasks, task{kind: "stop", container: c.ID, dockerID: c.DockerID})
			}
		}
		return tasks
	case "inactive":
		// Containers of an inactive service run only when a user starts them one by one.
		var tasks []task
		for _, c := range live {
			switch {
			case c.State == "starting":
				tasks = append(tasks, task{kind: "start", container: c.ID,
					dockerID: c.DockerID})
			case c.State == "stopping":
				tasks = append(tasks, task{kind: "stop", container: c.ID, dockerID: c.DockerID})
			case c.RestartPending:
				tasks = append(tasks, task{kind: "restart", container: c.ID,
					dockerID: c.DockerID})
			}
		}
		return tasks
	case "error":
		if !runsContainers(svc) {
			return nil
		}
		if svc.ErrorDuring != "" {
			// Failed mid-upgrade: go on with the upgrade's work (no new batch meanwhile).
			return e.planUpgrade(svc, svc.ErrorDuring, live, now)
		}
		return e.planRunning(svc, live, now, nil)
	case "activating", "active", "updating-active", "restarting":
		if !runsContainers(svc) {
			return nil
		}
		return e.planRunning(svc, live, now, nil)
	case "upgrading", "upgraded", "finishing-upgrade", "rolling-back":
		if !runsContainers(svc) {
			return nil
		}
		return e.planUpgrade(svc, svc.State, live, now)
	}
	return nil
}

// planRunning keeps Scale units of a service running; it makes no new container for a
// unit in hold, and starts a container that keeps exiting only once its restart delay is
// over. Retired and removing containers are not units. Callers hold e.mu.
func (e *Emulator) planRunning(svc *Service, live []*Container, now time.Time,
	hold map[int]bool) []task {
	var tasks []task
	retryDue := !now.Before(svc.RetryAt)
	units := map[int]map[string]*Container{}
	if hold == nil {
		hold = map[int]bool{}
	}
	for _, c := range live {
		if c.State == "removing" {
			// Its replacement waits for the next pass, so it can take the plain name.
			hold[c.ServiceIndex] = true
		}
		if c.Retired || c.State == "removing" {
			continue
		}
		if c.State == "error" {
			if retryDue {
				setState(&c.Meta, "removed", c.TransitioningMessage)
				e.persist(c)
				tasks = append(tasks, task{kind: "remove", container: c.ID,
					dockerID: c.DockerID})
				if c.DockerID != "" {
					hold[c.ServiceIndex] = true
				}
			}
			continue
		}
		if units[c.ServiceIndex] == nil {
			units[c.ServiceIndex] = map[string]*Container{}
		}
		units[c.ServiceIndex][c.LaunchConfig] = c
	}
	tasks = append(tasks, e.dropStaleDependents(svc, units, hold)...)
	replaced := e.replaceUnhealthy(units)
	for _, t := range replaced {
		hold[e.containers[t.container].ServiceIndex] = true
	}
	tasks = append(tasks, replaced...)
	indexes := make([]int, 0, len(units))
	for i := range units {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	// Scale down: the newest (highest) units go first.
	for len(indexes) > svc.Scale {
		last := indexes[len(indexes)-1]
		indexes = indexes[:len(indexes)-1]
		for _, c := range units[last] {
			setState(&c.Meta, "removing", "")
			e.persist(c)
			tasks = append(tasks, task{kind: "remove", container: c.ID, dockerID: c.DockerID})
		}
		delete(units, last)
	}
	used := map[int]bool{}
	for _, i := range indexes {
		used[i] = true
	}
	for len(indexes) < svc.Scale {
		n := lowestFree(used)
		used[n] = true
		indexes = append(indexes, n)
	}
	sort.Ints(indexes)
	activating := svc.State == "activating"
	for _, i := range indexes {
		for _, lcName := range launchConfigNames(svc) {
			c := units[i][lcName]
			if activating && c != nil && c.Desired == "stopped" {
				c.Desired = ""
			}
			switch {
			case c == nil && retryDue && !hold[i]:
				if t, ok := e.newMember(svc, member{index: i, name: lcName}); ok {
					tasks = append(tasks, t)
				}
			case c == nil:
			case c.RestartPending:
				tasks = append(tasks, task{kind: "restart", container: c.ID,
					dockerID: c.DockerID})
			case c.Desired == "stopped":
				if c.State == "running" || c.State == "stopping" {
					tasks = append(tasks, task{kind: "stop", container: c.ID,
						dockerID: c.DockerID})
				}
			case c.State == "stopped" && !restartDue(c, now):
				// It keeps exiting: started again once its delay is over (noteExits).
			case (c.State == "stopped" || c.State == "starting") && !startedOnce(svc, c):
				tasks = append(tasks, task{kind: "start", container: c.ID,
					dockerID: c.DockerID})
			}
		}
	}
	return tasks
}

// startedOnce reports whether a start_once container has already run.
func startedOnce(svc *Service, c *Container) bool {
	labels, _ := launchConfigFor(svc, c.LaunchConfig)["labels"].(map[string]any)
	return fmt.Sprint(labels["io.rancher.container.start_once"]) == "true" && c.StartCount > 0
}

// liveContainers returns a service's containers that are not removed. Callers hold e.mu.
func (e *Emulator) liveContainers(serviceID string) []*Container {
	var out []*Container
	for _, c := range sortedValues(e.containers) {
		if c.ServiceID == serviceID && c.Removed == nil {
			out = append(out, c)
		}
	}
	return out
}

// launchConfigNames lists "" for the primary and the name of each sidekick.
func launchConfigNames(svc *Service) []string {
	names := []string{""}
	for _, sk := range svc.Secondary {
		if n, _ := sk["name"].(string); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// launchConfigFor returns the primary launch config ("") or the named sidekick's.
func launchConfigFor(svc *Service, name string) map[string]any {
	if name == "" {
		return svc.LaunchConfig
	}
	for _, sk := range svc.Secondary {
		if sk["name"] == name {
			return sk
		}
	}
	return nil
}

// replaceUnhealthy removes the units the health strategies give up on: a unit with an
// unhealthy container (strategy recreate; recreateOnQuorum only while enough other units
// are fine); one stuck initializing past its timeout is made unhealthy by the health
// monitor (markNeverPassed). The caller then makes new units. Callers hold e.mu.
func (e *Emulator) replaceUnhealthy(units map[int]map[string]*Container) []task {
	fine := 0
	for _, members := range units {
		ok := true
		for _, c := range members {
			if c.HealthState == "unhealthy" || c.HealthState == "initializing" ||
				c.HealthState == "reinitializing" {
				ok = false
			}
		}
		if ok {
			fine++
		}
	}
	var tasks []task
	for i, members := range units {
		why := ""
		for _, c := range members {
			hc, ok := parseHealthCheck(c.Spec)
			switch {
			case !ok || c.State != "running":
			case c.HealthState != "unhealthy" || hc.strategy == "none":
			case hc.strategy == "recreateOnQuorum" && fine < hc.quorum:
			default:
				why = c.Name + " is unhealthy"
			}
		}
		if why == "" {
			continue
		}
		e.log.Info("replacing unit", "reason", why)
		for _, c := range members {
			tasks = append(tasks, e.removeTask(c))
		}
		delete(units, i)
	}
	return tasks
}

// dropStaleDependents removes the unit members made before the member whose network they
// share or whose volumes they mount (that member was replaced since, say removed by
// hand): they would be left in a dead network namespace or with the old volumes. The
// next pass makes them again beside the new member. Callers hold e.mu.
func (e *Emulator) dropStaleDependents(svc *Service, units map[int]map[string]*Container,
	hold map[int]bool) []task {
	var tasks []task
	for i, members := range units {
		for key, c := range members {
			for depKey, dep := range members {
				if depKey == key || dep.CreateIndex <= c.CreateIndex ||
					!dependsOn(svc, key, depKey) {
					continue
				}
				e.log.Info("replacing a sidekick made before the member it depends on",
					"container", c.Name, "member", dep.Name)
				tasks = append(tasks, e.removeTask(c))
				hold[i] = true
				delete(members, key)
				break
			}
		}
	}
	return tasks
}
