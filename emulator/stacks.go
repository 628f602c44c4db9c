package emulator

import (
	"fmt"
	"strings"
	"time"
)

// StackInput is what a client may set when creating or updating a stack.
type StackInput struct {
	Name          string
	Description   string
	Group         string
	System        bool
	StartOnCreate bool
	Environment   map[string]string
	DockerCompose string
	RancherComp   string
}

// CreateStack creates a stack owned by the caller. It rests in "active" at once: a stack
// has nothing to start until services are added.
func (e *Emulator) CreateStack(caller Caller, pid string, in StackInput) (Stack, error) {
	if err := validStackName(in.Name); err != nil {
		return Stack{}, err
	}
	if err := e.auditStack(caller, in.Name, in.Group); err != nil {
		return Stack{}, err
	}
	if in.DockerCompose != "" {
		return Stack{}, invalid("InvalidOption", "dockerCompose", "creating a stack from "+
			"compose text is not supported; deploy with `rancher up` or `spinlocal up`")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.projects[pid]; !ok {
		return Stack{}, notFound()
	}
	if err := e.writable(pid); err != nil {
		return Stack{}, err
	}
	for _, s := range e.stacks {
		if s.AccountID == pid && s.Removed == nil && strings.EqualFold(s.Name, in.Name) {
			return Stack{}, invalid("NotUnique", "name", fmt.Sprintf(
				"a stack named %s already exists", in.Name))
		}
	}
	id, err := e.nextID(prefixStack)
	if err != nil {
		return Stack{}, err
	}
	s := &Stack{Meta: Meta{ID: id, Type: KindStack, Name: in.Name, Description: in.Description,
		State: "active", Transitioning: "no", UUID: newUUID(), AccountID: pid,
		Created: time.Now().UTC()}, Owner: caller.User, Group: in.Group, System: in.System,
		StartOnCreate: in.StartOnCreate, Environment: in.Environment, HealthState: "healthy"}
	e.stacks[id] = s
	if err := e.put(s); err != nil {
		delete(e.stacks, id)
		return Stack{}, err
	}
	return *s, nil
}

// UpdateStack changes a stack's description and tags.
func (e *Emulator) UpdateStack(caller Caller, pid, id string, description, group *string) (
	Stack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.changeStack(caller, pid, id)
	if err != nil {
		return Stack{}, err
	}
	if group != nil {
		if err := e.auditStack(caller, s.Name, *group); err != nil {
			return Stack{}, err
		}
	}
	if s.Removed != nil {
		return Stack{}, invalid("InvalidState", "state", "stack is removed")
	}
	if description != nil {
		s.Description = *description
	}
	if group != nil {
		s.Group = *group
	}
	return *s, e.put(s)
}

// RemoveStack removes a stack with all its services and their containers. The stack shows
// "removing" until the reconciler has removed every container.
func (e *Emulator) RemoveStack(caller Caller, pid, id string) (Stack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.changeStack(caller, pid, id)
	if err != nil {
		return Stack{}, err
	}
	if s.Removed != nil || s.State == "removing" {
		return *s, nil
	}
	setState(&s.Meta, "removing", "")
	changed := []any{s}
	for _, svc := range e.services {
		if svc.StackID == id && svc.Removed == nil {
			setState(&svc.Meta, "removing", "")
			changed = append(changed, svc)
		}
	}
	if err := e.put(changed...); err != nil {
		return Stack{}, err
	}
	e.Kick()
	return *s, nil
}

// StackAction runs activateservices or deactivateservices on a stack.
func (e *Emulator) StackAction(caller Caller, pid, id, action string) (Stack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.changeStack(caller, pid, id)
	if err != nil {
		return Stack{}, err
	}
	if !allows(KindStack, s.State, action) {
		return Stack{}, refuseAction(KindStack, action)
	}
	if err := e.writable(pid); err != nil {
		return Stack{}, err
	}
	var changed []any
	for _, svc := range sortedValues(e.services) {
		if svc.StackID != id || svc.Removed != nil {
			continue
		}
		switch action {
		case "activateservices":
			if svc.State == "inactive" {
				setState(&svc.Meta, "activating", "")
				changed = append(changed, svc)
			}
		case "deactivateservices":
			switch svc.State {
			case "active", "activating", "updating-active", "restarting", "error":
				setState(&svc.Meta, "deactivating", "")
				changed = append(changed, svc)
			case "removed", "removing", "inactive", "deactivating":
			default:
				return Stack{}, invalid("InvalidState", fmt.Sprintf("Service %s is not "+
					"in valid state to be deactivated: %s", svc.Name, svc.State), "")
			}
		default:
			return Stack{}, invalid("InvalidAction", "action",
				fmt.Sprintf("stack has no action %s", action))
		}
	}
	if err := e.put(changed...); err != nil {
		return Stack{}, err
	}
	e.Kick()
	return *s, nil
}

// setState moves a resource to state, deriving transitioning from it.
func setState(m *Meta, state, message string) {
	m.State = state
	m.Transitioning = transitioningFor(state)
	m.TransitioningMessage = message
	if state == "removed" && m.Removed == nil {
		now := time.Now().UTC()
		m.Removed = &now
	}
}
