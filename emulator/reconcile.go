package emulator

import (
	"context"
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// purgeAfter is how long removed records stay readable (ps --all, GET by id).
const purgeAfter = time.Hour

// runReconciler makes Docker match the model whenever asked, whenever a managed container
// changes, and every ResyncInterval, until ctx ends. Each pass is level-triggered: it
// compares what is wanted with what runs, so a pass interrupted by a crash is mended by
// the next one.
func (e *Emulator) runReconciler(ctx context.Context) {
	watch := e.eng.Watch(ctx, e.ownLabels())
	tick := time.NewTicker(e.cfg.ResyncInterval)
	defer tick.Stop()
	recheck := time.NewTimer(eventLag)
	defer recheck.Stop()
	for {
		e.reconcileOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case _, ok := <-watch:
			if !ok {
				watch = nil
			}
			// Docker's list can still show a container running for a moment after its
			// "die" event: look again once that moment is over.
			recheck.Reset(eventLag)
		case <-recheck.C:
		case <-tick.C:
		}
	}
}

// eventLag is how long after a Docker event the reconciler looks again.
const eventLag = 500 * time.Millisecond

func (e *Emulator) ownLabels() map[string]string {
	return map[string]string{engine.LabelDaemon: e.daemonID}
}

// task is one piece of Docker work decided by a pass.
type task struct {
	kind      string // create, start, stop, restart, remove
	container string // record id
	dockerID  string
	spec      engine.Spec
}

// reconcileOnce runs one pass.
func (e *Emulator) reconcileOnce(ctx context.Context) {
	observed, err := e.eng.List(ctx, e.ownLabels())
	if err != nil {
		e.log.Warn("reconcile: cannot list containers", "err", err)
		return
	}
	byRecord := map[string]engine.Status{}
	for _, st := range observed {
		byRecord[st.Labels[engine.LabelContainerID]] = st
	}

	// Containers whose process ended on their own: how they exited paces their restart.
	exits := e.readExitCodes(ctx, e.exitedOnTheirOwn(byRecord))

	e.mu.Lock()
	e.observe(byRecord)
	e.noteExits(exits, time.Now())
	tasks := e.plan(time.Now())
	e.mu.Unlock()

	e.executeAll(ctx, tasks)
	exits = e.readExitCodes(ctx, e.exitedAtStart(tasks))
	e.removeOrphans(ctx, observed)

	e.mu.Lock()
	e.noteExits(exits, time.Now())
	e.trackRuns(time.Now())
	e.settle()
	e.clearProxyRoutes()
	e.purge(time.Now())
	e.mu.Unlock()
	e.reconcileVolumes(ctx)
	e.reconcileProjects(ctx)
	e.sweepSecretFiles()
	e.syncHostsFiles(ctx)
}

// parallelism bounds the Docker calls one pass makes at once.
const parallelism = 8

// executeAll runs a pass's tasks concurrently: each touches a different container.
func (e *Emulator) executeAll(ctx context.Context, tasks []task) {
	sem := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			e.execute(ctx, t)
		}()
	}
	wg.Wait()
}

// observe brings container records in line with what Docker reports. Callers hold e.mu.
func (e *Emulator) observe(byRecord map[string]engine.Status) {
	for _, c := range e.containers {
		switch c.State {
		case "removing", "error", "restarting", "stopping", "starting":
			// The plan acts on these; Docker's view would undo the request.
			continue
		}
		if c.Removed != nil {
			continue
		}
		st, ok := byRecord[c.ID]
		switch {
		case !ok && (c.DockerID != "" || c.State == "creating"):
			// Removed behind our back, or a create cut short by a crash.
			setState(&c.Meta, "removed", "container no longer exists in Docker")
			e.persist(c)
		case !ok:
		case st.Running && c.State != "running" && c.State != "stopping":
			c.DockerID, c.DockerName = st.ID, st.Name
			c.IPAddress = st.IPAddress
			setState(&c.Meta, "running", "")
			e.persist(c)
		case !st.Running && c.State != "stopped" && c.State != "starting" &&
			c.State != "restarting":
			c.DockerID, c.DockerName = st.ID, st.Name
			setState(&c.Meta, "stopped", "")
			e.persist(c)
		case st.Running && c.IPAddress != st.IPAddress:
			c.IPAddress = st.IPAddress
			e.persist(c)
		}
	}
}

// persist saves a record, logging rather than failing the pass.
func (e *Emulator) persist(r any) {
	if err := e.put(r); err != nil {
		e.log.Error("reconcile: cannot save state", "err", err)
	}
}

// removeOrphans deletes managed Docker containers that no live record claims.
func (e *Emulator) removeOrphans(ctx context.Context, observed []engine.Status) {
	var orphans []string
	e.mu.Lock()
	for _, st := range observed {
		c, ok := e.containers[st.Labels[engine.LabelContainerID]]
		if !ok || c.Removed != nil || (c.DockerID != "" && c.DockerID != st.ID) {
			orphans = append(orphans, st.ID)
		}
	}
	e.mu.Unlock()
	for _, id := range orphans {
		if err := e.eng.Remove(ctx, id); err != nil {
			e.log.Warn("reconcile: cannot remove orphan container", "id", id, "err", err)
		}
	}
}

// purge forgets records removed long ago. Callers hold e.mu.
func (e *Emulator) purge(now time.Time) {
	for id, c := range e.containers {
		if c.Removed != nil && now.Sub(*c.Removed) > purgeAfter {
			delete(e.containers, id)
			e.forget(bucketContainers, id)
		}
	}
	for id, s := range e.services {
		if s.Removed != nil && now.Sub(*s.Removed) > purgeAfter {
			delete(e.services, id)
			delete(e.svcLog, id)
			e.forget(bucketServices, id)
			// The CLI looks up every entry's service: an entry must not outlive it.
			for lid, l := range e.svcLogs {
				if l.ServiceID == id {
					e.dropServiceLog(lid)
				}
			}
		}
	}
	for id, s := range e.stacks {
		if s.Removed != nil && now.Sub(*s.Removed) > purgeAfter {
			delete(e.stacks, id)
			e.forget(bucketStacks, id)
		}
	}
	e.purgeProjects(now)
}

func (e *Emulator) forget(bucket, id string) {
	if err := e.store.Update(func(tx *storeTx) error { return tx.Delete(bucket, id) }); err != nil {
		e.log.Error("purge: cannot delete record", "id", id, "err", err)
	}
}
