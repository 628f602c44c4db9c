package emulator

import (
	"sort"
	"time"
)

// KindServiceLog is the type of a service event log entry (`rancher logs --service`).
const KindServiceLog = "serviceLog"

const (
	prefixServiceLog = "sl"
	bucketServiceLog = "servicelogs"
	// maxServiceLogs is how many entries the daemon keeps; older ones are dropped.
	maxServiceLogs = 1000
)

// ServiceLog is one entry of Cattle's service event log: an action on a service, from its
// start to its end, or an error of one of its containers.
type ServiceLog struct {
	Meta
	ServiceID     string     `json:"serviceId"`
	InstanceID    string     `json:"instanceId,omitempty"`
	EventType     string     `json:"eventType"`
	Level         string     `json:"level"`
	TransactionID string     `json:"transactionId"`
	EndTime       *time.Time `json:"endTime,omitempty"`
}

// serviceEvents names the event a service entering a transitioning state starts.
var serviceEvents = map[string]struct{ event, text string }{
	"activating":        {"service.activate", "Activating service"},
	"deactivating":      {"service.deactivate", "Stopping service"},
	"upgrading":         {"service.upgrade", "Upgrading service"},
	"finishing-upgrade": {"service.finishupgrade", "Finishing the upgrade"},
	"rolling-back":      {"service.rollback", "Rolling back the upgrade"},
	"restarting":        {"service.restart", "Restarting service"},
	"updating-active":   {"service.update", "Updating service"},
	"removing":          {"service.remove", "Removing service"},
}

// loggedState is what the event log last saw of a service.
type loggedState struct {
	state string
	open  string // the entry of the transition in progress, if any
}

// noteService writes the event log entries a service's state change calls for: a new
// entry when an action starts, its end time when the service settles. Callers hold e.mu.
func (e *Emulator) noteService(svc *Service) {
	last, seen := e.svcLog[svc.ID]
	if seen && last.state == svc.State {
		return
	}
	next := loggedState{state: svc.State}
	if last.open != "" {
		if svc.Transitioning == "yes" && serviceEvents[svc.State].event == "" {
			next.open = last.open // still on the same action (e.g. activating -> error)
		} else if l, ok := e.svcLogs[last.open]; ok && l.EndTime == nil {
			now := time.Now().UTC()
			l.EndTime = &now
			e.saveServiceLog(l)
		}
	}
	if ev, ok := serviceEvents[svc.State]; ok && seen {
		if l := e.newServiceLog(svc, "", "info", ev.event, ev.text); l != nil {
			next.open = l.ID
		}
	}
	e.svcLog[svc.ID] = next
}

// logContainerError records a container of svc failing, as Cattle's
// service.activate.exception entries did. Callers hold e.mu.
func (e *Emulator) logContainerError(svc *Service, c *Container, msg string) {
	event := "service.activate.exception"
	if svc.State == "upgrading" || svc.Upgrade != nil {
		event = "service.upgrade.exception"
	}
	l := e.newServiceLog(svc, c.ID, "error", event,
		"Expected state running but got error: "+msg)
	if l != nil {
		now := time.Now().UTC()
		l.EndTime = &now
		e.saveServiceLog(l)
	}
}

// newServiceLog adds an entry. Callers hold e.mu.
func (e *Emulator) newServiceLog(svc *Service, instance, level, event,
	text string) *ServiceLog {
	id, err := e.nextID(prefixServiceLog)
	if err != nil {
		e.log.Error("service log: cannot allocate an id", "err", err)
		return nil
	}
	l := &ServiceLog{Meta: Meta{ID: id, Type: KindServiceLog, AccountID: svc.AccountID,
		Description: text, State: "active", Transitioning: "no", UUID: newUUID(),
		Created: time.Now().UTC()}, ServiceID: svc.ID, InstanceID: instance,
		EventType: event, Level: level, TransactionID: newUUID()}
	e.svcLogs[id] = l
	e.saveServiceLog(l)
	e.trimServiceLogs()
	return l
}

// saveServiceLog stores an entry and tells subscribers. Callers hold e.mu.
func (e *Emulator) saveServiceLog(l *ServiceLog) {
	if err := e.store.Put(bucketServiceLog, l.ID, l); err != nil {
		e.log.Error("service log: cannot save", "err", err)
		return
	}
	e.subs.publish(l)
}

// trimServiceLogs drops the oldest entries beyond maxServiceLogs. Callers hold e.mu.
func (e *Emulator) trimServiceLogs() {
	if len(e.svcLogs) <= maxServiceLogs {
		return
	}
	all := e.sortedServiceLogs("")
	for _, l := range all[:len(all)-maxServiceLogs] {
		e.dropServiceLog(l.ID)
	}
}

// dropServiceLog forgets an entry. Callers hold e.mu.
func (e *Emulator) dropServiceLog(id string) {
	delete(e.svcLogs, id)
	e.forget(bucketServiceLog, id)
}

// ServiceLogs lists the event log of an environment, oldest first.
func (e *Emulator) ServiceLogs(pid string) []ServiceLog {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ServiceLog
	for _, l := range e.sortedServiceLogs(pid) {
		out = append(out, *l)
	}
	return out
}

// sortedServiceLogs lists the entries of pid ("" for all), oldest first. Callers hold
// e.mu.
func (e *Emulator) sortedServiceLogs(pid string) []*ServiceLog {
	var out []*ServiceLog
	for _, l := range e.svcLogs {
		if pid == "" || l.AccountID == pid {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}
