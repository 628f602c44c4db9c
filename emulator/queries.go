package emulator

import (
	"sort"
)

// Projects returns the environments caller may see.
func (e *Emulator) Projects(caller Caller) []Project {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Project, 0, len(e.projects))
	for _, p := range e.projects {
		if e.visible(caller, p) {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Project returns one environment caller may see, by id.
func (e *Emulator) Project(caller Caller, id string) (Project, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.projects[id]
	if !ok || !e.visible(caller, p) {
		return Project{}, notFound()
	}
	return *p, nil
}

// Hosts returns the hosts of an environment (the laptop, in every one).
func (e *Emulator) Hosts() []Host {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Host, 0, len(e.hosts))
	for _, h := range e.hosts {
		out = append(out, *h)
	}
	return out
}

// Host returns one host by id.
func (e *Emulator) Host(id string) (Host, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, ok := e.hosts[id]
	if !ok {
		return Host{}, notFound()
	}
	return *h, nil
}

// Stacks returns the stacks of an environment, removed ones included, by id.
func (e *Emulator) Stacks(pid string) []Stack {
	e.mu.Lock()
	defer e.mu.Unlock()
	return collect(e.stacks, func(s *Stack) bool { return s.AccountID == pid })
}

// Stack returns one stack of an environment.
func (e *Emulator) Stack(pid, id string) (Stack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.stacks[id]
	if !ok || s.AccountID != pid {
		return Stack{}, notFound()
	}
	return *s, nil
}

// Services returns the services of an environment, removed ones included, by id.
func (e *Emulator) Services(pid string) []Service {
	e.mu.Lock()
	defer e.mu.Unlock()
	return collect(e.services, func(s *Service) bool { return s.AccountID == pid })
}

// Service returns one service of an environment.
func (e *Emulator) Service(pid, id string) (Service, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.services[id]
	if !ok || s.AccountID != pid {
		return Service{}, notFound()
	}
	return *s, nil
}

// Containers returns the containers of an environment, removed ones included, by id.
func (e *Emulator) Containers(pid string) []Container {
	e.mu.Lock()
	defer e.mu.Unlock()
	return collect(e.containers, func(c *Container) bool { return c.AccountID == pid })
}

// Container returns one container of an environment.
func (e *Emulator) Container(pid, id string) (Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[id]
	if !ok || c.AccountID != pid {
		return Container{}, notFound()
	}
	return *c, nil
}

// ServiceIDs lists the ids of a stack's services that are not removed.
func (e *Emulator) ServiceIDs(stackID string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for _, s := range sortedValues(e.services) {
		if s.StackID == stackID && s.Removed == nil {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// InstanceIDs lists the ids of a service's containers that are not removed.
func (e *Emulator) InstanceIDs(serviceID string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for _, c := range sortedValues(e.containers) {
		if c.ServiceID == serviceID && c.Removed == nil {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// HostInstanceIDs lists the ids of every live container.
func (e *Emulator) HostInstanceIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for _, c := range sortedValues(e.containers) {
		if c.Removed == nil {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// idLess orders Cattle ids by prefix, then numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return idLess(keys[i], keys[j]) })
	out := make([]*T, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

func collect[T any](m map[string]*T, keep func(*T) bool) []T {
	var out []T
	for _, v := range sortedValues(m) {
		if keep(v) {
			out = append(out, *v)
		}
	}
	return out
}
