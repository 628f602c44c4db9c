package emulator

import "github.com/spinlocal/spinlocal/emulator/dnsname"

// PublishedService is a live service that publishes a host port, so owns a public name.
// Running counts its primary containers in state running.
type PublishedService struct {
	Env, Stack, Service string
	Running             int
}

// PublishedServices lists the live services whose primary launch config publishes a port.
func (e *Emulator) PublishedServices() []PublishedService {
	e.mu.Lock()
	defer e.mu.Unlock()
	running := map[string]int{}
	for _, c := range e.containers {
		if c.Removed == nil && !c.Retired && c.LaunchConfig == "" && c.State == "running" {
			running[c.ServiceID]++
		}
	}
	var out []PublishedService
	for _, s := range sortedValues(e.services) {
		stack, ok := e.stacks[s.StackID]
		project := e.projects[s.AccountID]
		if !ok || project == nil || s.Removed != nil || stack.Removed != nil ||
			!dnsname.Publishes(s.LaunchConfig) {
			continue
		}
		out = append(out, PublishedService{Env: project.Name, Stack: stack.Name,
			Service: s.Name, Running: running[s.ID]})
	}
	return out
}

// FQDN returns the Spin public name of a service that publishes a port, else "".
func (e *Emulator) FQDN(svc Service) string {
	if !dnsname.Publishes(svc.LaunchConfig) {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.publicName(svc)
}

// publicName builds a service's Spin public name from its stack and environment.
// Callers hold e.mu.
func (e *Emulator) publicName(svc Service) string {
	stack, ok := e.stacks[svc.StackID]
	project := e.projects[svc.AccountID]
	if !ok || project == nil {
		return ""
	}
	return dnsname.Public(svc.Name, stack.Name, project.Name, dnsname.Suffix)
}
