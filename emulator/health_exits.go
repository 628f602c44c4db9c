package emulator

import (
	"context"
	"fmt"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// Cattle started the containers of an active service again when their process ended on
// its own (semantics 4.6), unless they were start_once. A container that exits again and
// again is a crash loop: the daemon starts it again at once the first time, then after a
// delay that doubles up to maxRestartDelay, and does not count it as healthy until it has
// run for stableAfter. Its exits reset once it has.
const (
	stableAfter     = 10 * time.Second
	maxRestartDelay = 30 * time.Second
)

// exitCodeUnknown is recorded when Docker could not say how a container exited.
const exitCodeUnknown = -1

// exited is a container whose process ended without the daemon asking.
type exited struct {
	id, dockerID string
	code         int
}

// restartDelay is how long a container waits before it is started again after its
// exits-th exit in a row: no wait the first time, then 1s, 2s, 4s... up to
// maxRestartDelay.
func restartDelay(exits int) time.Duration {
	if exits <= 1 {
		return 0
	}
	if exits > 7 {
		return maxRestartDelay
	}
	return min(time.Second<<(exits-2), maxRestartDelay)
}

// restartDue reports whether a container that exited on its own may be started again.
func restartDue(c *Container, now time.Time) bool {
	return c.Exits == 0 || !now.Before(c.ExitedAt.Add(restartDelay(c.Exits)))
}

// unsteady reports whether a running container was started again after exiting on its
// own and has not yet run for stableAfter: it is not counted as healthy until it has.
func unsteady(c *Container, now time.Time) bool {
	return c.Exits > 0 && c.State == "running" &&
		(c.RunningSince.IsZero() || now.Sub(c.RunningSince) < stableAfter)
}

// keepsRunning are the service states in which the reconciler starts a stopped container
// again (planRunning), so an exit there is unexpected.
var keepsRunning = map[string]bool{"activating": true, "active": true,
	"updating-active": true, "restarting": true, "error": true, "upgrading": true,
	"upgraded": true, "finishing-upgrade": true, "rolling-back": true}

// restartable reports whether a stopped container is one its service starts again when
// it exits: not retired by an upgrade, not stopped by a user, not start_once.
// Callers hold e.mu.
func (e *Emulator) restartable(c *Container) bool {
	svc, ok := e.services[c.ServiceID]
	if !ok || svc.Removed != nil || !keepsRunning[svc.State] || !runsContainers(svc) {
		return false
	}
	return !c.Retired && c.Desired != "stopped" && !startedOnce(svc, c)
}

// exitedOnTheirOwn lists the running service containers Docker reports stopped.
func (e *Emulator) exitedOnTheirOwn(byRecord map[string]engine.Status) []exited {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []exited
	for _, c := range sortedValues(e.containers) {
		st, ok := byRecord[c.ID]
		if ok && c.Removed == nil && c.ServiceID != "" && c.State == "running" &&
			!st.Running && st.ID == c.DockerID {
			out = append(out, exited{id: c.ID, dockerID: c.DockerID})
		}
	}
	return out
}

// exitedAtStart lists the service containers a pass started whose process had already
// ended when the start was recorded.
func (e *Emulator) exitedAtStart(tasks []task) []exited {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []exited
	for _, t := range tasks {
		if t.kind != "create" && t.kind != "start" && t.kind != "restart" {
			continue
		}
		c, ok := e.containers[t.container]
		if ok && c.Removed == nil && c.ServiceID != "" && c.State == "stopped" &&
			c.DockerID != "" {
			out = append(out, exited{id: c.ID, dockerID: c.DockerID})
		}
	}
	return out
}

// readExitCodes asks Docker how each container exited.
func (e *Emulator) readExitCodes(ctx context.Context, list []exited) []exited {
	for i := range list {
		list[i].code = exitCodeUnknown
		st, err := e.eng.Inspect(ctx, list[i].dockerID)
		if err != nil {
			e.log.Debug("cannot read an exit code", "container", list[i].id, "err", err)
			continue
		}
		if !st.Running {
			list[i].code = st.ExitCode
		}
	}
	return list
}

// noteExits records the exits of containers whose service starts them again, and wakes
// the reconciler when the next start is due. Callers hold e.mu.
func (e *Emulator) noteExits(list []exited, now time.Time) {
	for _, x := range list {
		c, ok := e.containers[x.id]
		if !ok || c.Removed != nil || c.State != "stopped" || c.DockerID != x.dockerID ||
			!e.restartable(c) {
			continue
		}
		c.Exits++
		c.ExitedAt, c.ExitCode, c.RunningSince = now, x.code, time.Time{}
		delay := restartDelay(c.Exits)
		c.TransitioningMessage = exitText(c) + "; " + nextStart(delay)
		e.persist(c)
		e.log.Info("container exited on its own", "name", c.Name, "code", x.code,
			"exits", c.Exits, "restart-in", delay)
		time.AfterFunc(delay, e.Kick)
	}
}

// trackRuns records when containers start to run, and forgets the exits of those that
// have run for stableAfter or were stopped on purpose since (their service or a user
// stopped them). Callers hold e.mu.
func (e *Emulator) trackRuns(now time.Time) {
	for _, c := range e.containers {
		if c.Removed != nil {
			continue
		}
		switch {
		case c.State == "stopped" && c.Exits > 0 && !e.restartable(c):
			c.Exits, c.ExitedAt, c.ExitCode = 0, time.Time{}, 0
			c.RunningSince, c.TransitioningMessage = time.Time{}, ""
			e.persist(c)
		case c.State != "running":
			if !c.RunningSince.IsZero() {
				c.RunningSince = time.Time{}
				e.persist(c)
			}
		case c.RunningSince.IsZero():
			c.RunningSince = now
			e.persist(c)
			if c.Exits > 0 {
				// Count it as healthy as soon as it has proved steady.
				time.AfterFunc(stableAfter+100*time.Millisecond, e.Kick)
			}
		case c.Exits > 0 && !unsteady(c, now):
			c.Exits, c.ExitedAt, c.ExitCode = 0, time.Time{}, 0
			e.persist(c)
		}
	}
}

// exitText says how a container last exited.
func exitText(c *Container) string {
	how := "exited"
	if c.ExitCode != exitCodeUnknown {
		how = fmt.Sprintf("exited with code %d", c.ExitCode)
	}
	if c.Exits > 1 {
		how += fmt.Sprintf(", %d times in a row", c.Exits)
	}
	return how
}

// nextStart says when a container that exited is started again.
func nextStart(delay time.Duration) string {
	if delay == 0 {
		return "starting it again"
	}
	return fmt.Sprintf("waiting %s before starting it again", delay)
}

// exitMessage describes the first current container of a service that keeps exiting,
// or is "" when none does. Callers hold e.mu.
func exitMessage(live []*Container, now time.Time) string {
	for _, c := range live {
		if c.Retired || c.Exits == 0 {
			continue
		}
		switch {
		case c.State == "running" && unsteady(c, now):
			return fmt.Sprintf("%s %s; running again, counted healthy once up for %s",
				c.Name, exitText(c), stableAfter)
		case c.State == "stopped":
			return fmt.Sprintf("%s %s; %s", c.Name, exitText(c),
				nextStart(restartDelay(c.Exits)))
		}
	}
	return ""
}
