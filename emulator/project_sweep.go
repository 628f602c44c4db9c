package emulator

import (
	"context"
	"time"
)

// settleProject moves an environment to its resting state once its services are where
// the last action wanted them. Callers hold e.mu.
func (e *Emulator) settleProject(p *Project) {
	switch p.State {
	case "deactivating":
		if e.anyServiceIn(p.ID, "deactivating") || e.anyContainerBusy(p.ID) {
			return
		}
		setState(&p.Meta, "inactive", "")
	case "activating":
		if e.anyServiceIn(p.ID, "activating") {
			return
		}
		setState(&p.Meta, "active", "")
	default:
		return
	}
	e.persist(p)
}

// anyServiceIn reports whether a live service of the environment is in state.
// Callers hold e.mu.
func (e *Emulator) anyServiceIn(pid, state string) bool {
	for _, svc := range e.services {
		if svc.AccountID == pid && svc.Removed == nil && svc.State == state {
			return true
		}
	}
	return false
}

// anyContainerBusy reports whether a live container of the environment runs or is
// about to. Callers hold e.mu.
func (e *Emulator) anyContainerBusy(pid string) bool {
	for _, c := range e.containers {
		if c.AccountID != pid || c.Removed != nil {
			continue
		}
		switch c.State {
		case "running", "starting", "restarting", "stopping", "creating":
			return true
		}
	}
	return false
}

// reconcileProjects finishes the removal of environments whose contents are gone: it
// removes their Docker network, then marks them removed. It runs at the end of every
// reconciler pass, after the volumes.
func (e *Emulator) reconcileProjects(ctx context.Context) {
	e.mu.Lock()
	var ids, networks []string
	for _, p := range sortedValues(e.projects) {
		if p.State == "removing" && e.projectEmpty(p.ID) {
			ids = append(ids, p.ID)
			networks = append(networks, e.networkName(p))
		}
	}
	e.mu.Unlock()
	for i, id := range ids {
		err := e.eng.RemoveNetwork(ctx, networks[i], e.ownLabels())
		e.mu.Lock()
		p := e.projects[id]
		if err != nil {
			p.TransitioningMessage = dockerReason(err)
			e.log.Warn("reconcile: cannot remove an environment's network", "network",
				networks[i], "err", err)
		} else {
			delete(e.networks, networks[i])
			setState(&p.Meta, "removed", "")
			e.log.Info("environment removed", "id", p.ID, "name", p.Name)
		}
		e.persist(p)
		e.mu.Unlock()
	}
}

// projectEmpty reports whether nothing of an environment is left: no stack, service,
// container or volume that is not removed. Callers hold e.mu.
func (e *Emulator) projectEmpty(pid string) bool {
	for _, st := range e.stacks {
		if st.AccountID == pid && st.Removed == nil {
			return false
		}
	}
	for _, svc := range e.services {
		if svc.AccountID == pid && svc.Removed == nil {
			return false
		}
	}
	for _, c := range e.containers {
		if c.AccountID == pid && c.Removed == nil {
			return false
		}
	}
	for _, v := range e.volumes {
		if v.AccountID == pid && v.Removed == nil {
			return false
		}
	}
	return true
}

// purgeProjects forgets environments removed long ago. Callers hold e.mu.
func (e *Emulator) purgeProjects(now time.Time) {
	for id, p := range e.projects {
		if p.Removed != nil && now.Sub(*p.Removed) > purgeAfter {
			delete(e.projects, id)
			e.forget(bucketProjects, id)
		}
	}
}
