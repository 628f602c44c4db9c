package emulator

import (
	"context"
	"fmt"
	"time"
)

// healthTick is how often the health monitor looks for checks that are due.
const healthTick = 250 * time.Millisecond

// probeState is the in-memory bookkeeping of one container's checks.
type probeState struct {
	next      time.Time
	inFlight  bool
	successes int
	failures  int
}

// runHealth runs the launch configs' health checks against running containers until ctx
// ends, as Cattle's HAProxy checkers did: one probe per interval, thresholds for a change.
func (e *Emulator) runHealth(ctx context.Context) {
	state := map[string]*probeState{}
	results := make(chan probeResult, 64)
	tick := time.NewTicker(healthTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-results:
			if ps := state[r.id]; ps != nil {
				ps.inFlight = false
				e.applyProbe(r, ps)
			}
		case now := <-tick.C:
			for _, job := range e.dueProbes(now, state) {
				go func() {
					reason := job.hc.probe(ctx, job.ip)
					select {
					case results <- probeResult{id: job.id, reason: reason, hc: job.hc}:
					case <-ctx.Done():
					}
				}()
			}
		}
	}
}

type probeJob struct {
	id, ip string
	hc     healthCheck
}

type probeResult struct {
	id, reason string
	hc         healthCheck
}

// dueProbes picks the running containers whose next check is due, and forgets the state
// of containers that no longer run.
func (e *Emulator) dueProbes(now time.Time, state map[string]*probeState) []probeJob {
	e.mu.Lock()
	defer e.mu.Unlock()
	var jobs []probeJob
	seen := map[string]bool{}
	for _, c := range e.containers {
		if c.Removed != nil || c.State != "running" || c.HealthState == "" {
			continue
		}
		hc, ok := parseHealthCheck(c.Spec)
		if !ok || c.IPAddress == "" {
			continue
		}
		seen[c.ID] = true
		e.markNeverPassed(c, hc, now)
		ps := state[c.ID]
		if ps == nil {
			ps = &probeState{next: now.Add(hc.interval)}
			state[c.ID] = ps
		}
		if ps.inFlight || now.Before(ps.next) {
			continue
		}
		ps.inFlight = true
		ps.next = now.Add(hc.interval)
		jobs = append(jobs, probeJob{id: c.ID, ip: c.IPAddress, hc: hc})
	}
	for id, ps := range state {
		if !seen[id] && !ps.inFlight {
			delete(state, id)
		}
	}
	return jobs
}

// applyProbe counts one result and changes the container's health when a threshold is
// reached. An unhealthy result is ignored until the container has passed once.
func (e *Emulator) applyProbe(r probeResult, ps *probeState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[r.id]
	if !ok || c.Removed != nil || c.State != "running" || c.HealthState == "" {
		return
	}
	before := c.HealthState
	if r.reason == "" {
		ps.successes++
		ps.failures = 0
		if ps.successes >= r.hc.healthy && c.HealthState != "healthy" {
			e.setHealth(c, "healthy", "")
		}
	} else {
		ps.failures++
		ps.successes = 0
		if c.HealthState == "healthy" && ps.failures >= r.hc.unhealthy {
			e.setHealth(c, "unhealthy", "health check failed: "+r.reason)
		}
		if c.HealthState != "healthy" {
			c.TransitioningMessage = "health check failed: " + r.reason
		}
	}
	if c.HealthState != before {
		e.Kick()
	}
}

// setHealth records a health change of a container. Callers hold e.mu.
func (e *Emulator) setHealth(c *Container, health, message string) {
	c.HealthState = health
	c.HealthChanged = time.Now().UTC()
	c.TransitioningMessage = message
	e.persist(c)
}

// startHealth gives a container that just started its first health state: initializing
// on its first start, reinitializing when it had been healthy. Callers hold e.mu.
func startHealth(c *Container) {
	if _, ok := parseHealthCheck(c.Spec); !ok {
		c.HealthState = ""
		return
	}
	if c.HealthState == "healthy" {
		c.HealthState = "reinitializing"
	} else {
		c.HealthState = "initializing"
	}
	c.HealthChanged = time.Now().UTC()
}

// markNeverPassed makes a container that did not pass its check within its
// (re)initializing timeout unhealthy, with the last failure as the reason, so that a
// check that never passes shows as such: the strategy then applies (recreate replaces the
// unit). Cattle removed such a container outright and, with strategy none, left it
// initializing for good; spinlocal says why instead. Callers hold e.mu.
func (e *Emulator) markNeverPassed(c *Container, hc healthCheck, now time.Time) {
	limit := hc.initTimeout
	switch c.HealthState {
	case "initializing":
	case "reinitializing":
		limit = hc.reinitTimeout
	default:
		return
	}
	if now.Sub(c.HealthChanged) <= limit {
		return
	}
	reason := c.TransitioningMessage
	if reason == "" {
		reason = "no check has answered yet"
	}
	e.setHealth(c, "unhealthy", fmt.Sprintf("did not pass its health check within %s: %s",
		limit, reason))
	e.Kick()
}
