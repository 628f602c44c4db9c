package emulator

import (
	"fmt"
	"sort"
	"time"
)

// planUpgrade drives the upgrade states. Callers hold e.mu.
//
//	upgrading          retire outdated units a batch at a time, start their replacements
//	upgraded           keep the new units running, the retired ones stopped
//	finishing-upgrade  remove the retired containers
//	rolling-back       remove the new containers, then start the retired ones again
//
// state is the service's state, or the upgrade state it failed in (see ErrorDuring).
func (e *Emulator) planUpgrade(svc *Service, state string, live []*Container,
	now time.Time) []task {
	var tasks []task
	startFirst := svc.Upgrade != nil && svc.Upgrade.StartFirst
	switch state {
	case "finishing-upgrade":
		for _, c := range live {
			if c.Retired {
				tasks = append(tasks, e.removeTask(c))
			}
		}
		return append(tasks, e.planRunning(svc, live, now, nil)...)
	case "rolling-back":
		return e.planRollback(svc, live, now)
	}
	hold := map[int]bool{}
	if svc.State == "upgrading" && !now.Before(svc.NextBatchAt) {
		if e.retireBatch(svc, live) && svc.Upgrade != nil {
			interval := time.Duration(svc.Upgrade.IntervalMillis) * time.Millisecond
			svc.NextBatchAt = now.Add(interval)
			e.persist(svc)
		}
	}
	for _, c := range live {
		if !c.Retired || c.State == "removing" {
			continue
		}
		busy := c.State == "running" || c.State == "starting" || c.State == "stopping"
		switch {
		case !startFirst && busy:
			// Stop first: the replacement waits until the old container is down.
			hold[c.ServiceIndex] = true
			if c.State != "stopping" {
				tasks = append(tasks, task{kind: "stop", container: c.ID, dockerID: c.DockerID})
			}
		case startFirst && c.State == "running" && e.unitRunning(svc, live, c.ServiceIndex):
			tasks = append(tasks, task{kind: "stop", container: c.ID, dockerID: c.DockerID})
		}
	}
	return append(tasks, e.planRunning(svc, live, now, hold)...)
}

// retireBatch marks the containers of up to BatchSize outdated units retired and reports
// whether it retired any. Callers hold e.mu.
func (e *Emulator) retireBatch(svc *Service, live []*Container) bool {
	byUnit := map[int][]*Container{}
	for _, c := range live {
		if !c.Retired && c.State != "removing" && outdated(svc, c) {
			byUnit[c.ServiceIndex] = append(byUnit[c.ServiceIndex], c)
		}
	}
	if len(byUnit) == 0 {
		return false
	}
	indexes := make([]int, 0, len(byUnit))
	for i := range byUnit {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	batch := 1
	if svc.Upgrade != nil && svc.Upgrade.BatchSize > 0 {
		batch = svc.Upgrade.BatchSize
	}
	for n, i := range indexes {
		if n == batch {
			break
		}
		for _, c := range byUnit[i] {
			c.Retired = true
			e.persist(c)
		}
		e.retireDependents(svc, live, i)
	}
	return true
}

// retireDependents retires, with a member of unit index, the members that share its
// network (network_mode: container:NAME) or mount its volumes (volumes_from), and so on
// down the chain: they would be left in a stopped container's network or with its
// volumes, as Cattle never left them. Callers hold e.mu.
func (e *Emulator) retireDependents(svc *Service, live []*Container, index int) {
	for changed := true; changed; {
		changed = false
		for _, c := range live {
			if c.ServiceIndex != index || c.Retired || c.State == "removing" {
				continue
			}
			for _, r := range live {
				if r.ServiceIndex == index && r.Retired &&
					dependsOn(svc, c.LaunchConfig, r.LaunchConfig) {
					c.Retired, changed = true, true
					e.persist(c)
					break
				}
			}
		}
	}
}

// dependsOn reports whether unit member key member shares the network of, or mounts the
// volumes of, member dep (keys as lcNameOf gives them: "" for the primary).
func dependsOn(svc *Service, member, dep string) bool {
	lc := launchConfigFor(svc, member)
	if mode, _ := lc["networkMode"].(string); mode == "container" {
		if target, _ := lc["networkLaunchConfig"].(string); lcNameOf(svc, target) == dep {
			return true
		}
	}
	names, _ := lc["dataVolumesFromLaunchConfigs"].([]any)
	for _, n := range names {
		if lcNameOf(svc, fmt.Sprint(n)) == dep {
			return true
		}
	}
	return false
}

// replacement reports whether c is the replacement of a retired member of its unit that
// was not outdated itself (a dependent, retireDependents). Callers hold e.mu.
func replacement(c *Container, live []*Container) bool {
	if c.Retired {
		return false
	}
	for _, r := range live {
		if r.Retired && r.ServiceIndex == c.ServiceIndex && r.LaunchConfig == c.LaunchConfig &&
			r.ID != c.ID {
			return true
		}
	}
	return false
}

// planRollback removes the containers of the new configs, then starts the retired ones
// built from the restored configs. Callers hold e.mu.
func (e *Emulator) planRollback(svc *Service, live []*Container, now time.Time) []task {
	var tasks []task
	newLeft := false
	for _, c := range live {
		if !c.Retired && (outdated(svc, c) || replacement(c, live)) {
			newLeft = true
			if c.State != "removing" {
				tasks = append(tasks, e.removeTask(c))
			}
		}
	}
	if newLeft {
		return tasks
	}
	for _, c := range live {
		if !c.Retired {
			continue
		}
		if outdated(svc, c) {
			tasks = append(tasks, e.removeTask(c))
			continue
		}
		c.Retired = false
		e.persist(c)
	}
	return append(tasks, e.planRunning(svc, live, now, nil)...)
}

// removeTask marks a container removing and returns the task that removes it.
func (e *Emulator) removeTask(c *Container) task {
	setState(&c.Meta, "removing", "")
	e.persist(c)
	return task{kind: "remove", container: c.ID, dockerID: c.DockerID}
}

// unitRunning reports whether every current member of a unit runs. Callers hold e.mu.
func (e *Emulator) unitRunning(svc *Service, live []*Container, index int) bool {
	running := map[string]bool{}
	for _, c := range live {
		if c.ServiceIndex == index && !c.Retired && c.State == "running" {
			running[c.LaunchConfig] = true
		}
	}
	for _, name := range launchConfigNames(svc) {
		if !running[name] {
			return false
		}
	}
	return true
}
