package emulator

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// ServiceInput is what a client may set when creating a service.
type ServiceInput struct {
	Type          string
	Name          string
	StackID       string
	Description   string
	Scale         *int
	LaunchConfig  map[string]any
	Secondary     []map[string]any
	Metadata      map[string]any
	StartOnCreate bool
	RetainIP      bool
	// Extra holds kind-specific fields (lbConfig, externalIpAddresses, hostname,
	// selectorLink, selectorContainer, scalePolicy) stored and returned verbatim.
	Extra map[string]any
}

// CreateService registers a service. It rests "inactive" until activated, unless
// StartOnCreate asks for activation at once (rancher run).
func (e *Emulator) CreateService(caller Caller, pid string, in ServiceInput) (Service,
	error) {
	if in.Type == "" {
		in.Type = KindService
	}
	if err := validServiceName(in.Name); err != nil {
		return Service{}, err
	}
	for _, sk := range in.Secondary {
		name, _ := sk["name"].(string)
		if err := validServiceName(name); err != nil {
			return Service{}, err
		}
	}
	scale := 1
	if in.Scale != nil {
		scale = *in.Scale
	}
	if scale < 0 {
		return Service{}, invalid("MinLimitExceeded", "scale", "scale must be 0 or more")
	}
	if in.LaunchConfig == nil {
		in.LaunchConfig = map[string]any{}
	}
	if in.Type == KindExternal {
		if err := checkExternal(in.Name, in.Extra); err != nil {
			return Service{}, err
		}
	}
	if in.Type == KindService && imageOf(in.LaunchConfig) == "" {
		return Service{}, invalid("MissingRequired", "launchConfig.imageUuid",
			fmt.Sprintf("service %s has no image", in.Name))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	stack, ok := e.stacks[in.StackID]
	if !ok || stack.AccountID != pid {
		return Service{}, invalid("InvalidReference", "stackId",
			fmt.Sprintf("stack %q does not exist", in.StackID))
	}
	if stack.Removed != nil || stack.State == "removing" || stack.State == "error" {
		return Service{}, invalid("InvalidState", "stackId", "stack is not in a valid state")
	}
	if err := e.mayChange(caller, in.StackID); err != nil {
		return Service{}, err
	}
	if err := e.writable(pid); err != nil {
		return Service{}, err
	}
	if err := e.checkUniqueNames(in); err != nil {
		return Service{}, err
	}
	e.adoptStackTags(stack, append([]map[string]any{in.LaunchConfig}, in.Secondary...))
	if in.Type == KindService || in.Type == "loadBalancerService" {
		err := e.auditService(caller, stack.Name, in.Name, in.LaunchConfig, in.Secondary)
		if err != nil {
			return Service{}, err
		}
	}
	id, err := e.nextID(prefixService)
	if err != nil {
		return Service{}, err
	}
	svc := &Service{Meta: Meta{ID: id, Type: in.Type, Name: in.Name,
		Description: in.Description, UUID: newUUID(), AccountID: pid,
		Created: time.Now().UTC()}, StackID: in.StackID, Scale: scale,
		LaunchConfig: in.LaunchConfig, Secondary: in.Secondary, Metadata: in.Metadata,
		Extra: in.Extra, StartOnCreate: in.StartOnCreate, RetainIP: in.RetainIP}
	setState(&svc.Meta, "inactive", "")
	if in.StartOnCreate || !runsContainers(svc) {
		setState(&svc.Meta, "activating", "")
	}
	e.services[id] = svc
	if err := e.put(svc); err != nil {
		delete(e.services, id)
		return Service{}, err
	}
	e.Kick()
	return *svc, nil
}

// checkUniqueNames rejects a service or sidekick name already used in the stack.
func (e *Emulator) checkUniqueNames(in ServiceInput) error {
	names := map[string]bool{}
	for _, s := range e.services {
		if s.StackID != in.StackID || s.Removed != nil || s.State == "removing" {
			continue
		}
		names[strings.ToLower(s.Name)] = true
		for _, sk := range s.Secondary {
			names[strings.ToLower(fmt.Sprint(sk["name"]))] = true
		}
	}
	wanted := []string{in.Name}
	for _, sk := range in.Secondary {
		wanted = append(wanted, fmt.Sprint(sk["name"]))
	}
	for _, n := range wanted {
		if names[strings.ToLower(n)] {
			return invalid("NotUnique", "name", fmt.Sprintf(
				"a service or sidekick named %s already exists in this stack", n))
		}
		names[strings.ToLower(n)] = true
	}
	return nil
}

// ServiceUpdate holds the writable fields of a PUT.
type ServiceUpdate struct {
	Scale       *int
	Metadata    map[string]any
	Description *string
	Extra       map[string]any
}

// UpdateService applies a PUT. A scale change on an active service goes through
// "updating-active" while the reconciler converges.
func (e *Emulator) UpdateService(caller Caller, pid, id string, up ServiceUpdate) (Service,
	error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	svc, err := e.changeService(caller, pid, id)
	if err != nil {
		return Service{}, err
	}
	if svc.Removed != nil || svc.State == "removing" {
		return Service{}, &APIError{Status: 409, Code: "Conflict",
			Message: "service is being removed"}
	}
	if err := e.writable(pid); err != nil {
		return Service{}, err
	}
	if svc.State == "upgraded" || svc.State == "canceled-upgrade" {
		return Service{}, &APIError{Status: 409, Code: "Conflict",
			Message: "finish or roll back the upgrade before updating the service"}
	}
	extra := maps.Clone(svc.Extra)
	if extra == nil {
		extra = map[string]any{}
	}
	maps.Copy(extra, up.Extra)
	if svc.Type == KindExternal {
		if err := checkExternal(svc.Name, extra); err != nil {
			return Service{}, err
		}
	}
	if up.Scale != nil {
		if *up.Scale < 0 {
			return Service{}, invalid("MinLimitExceeded", "scale", "scale must be 0 or more")
		}
		if *up.Scale != svc.Scale {
			svc.Scale = *up.Scale
			if svc.State == "active" {
				setState(&svc.Meta, "updating-active", "")
			}
		}
	}
	if up.Metadata != nil {
		svc.Metadata = up.Metadata
	}
	if up.Description != nil {
		svc.Description = *up.Description
	}
	if len(up.Extra) > 0 {
		svc.Extra = extra
	}
	if err := e.put(svc); err != nil {
		return Service{}, err
	}
	e.Kick()
	return *svc, nil
}

// ServiceAction runs activate, deactivate, restart or setservicelinks on a service.
func (e *Emulator) ServiceAction(caller Caller, pid, id, action string,
	links []ServiceLink) (Service, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	svc, err := e.changeService(caller, pid, id)
	if err != nil {
		return Service{}, err
	}
	if !allows(svc.Type, svc.State, action) {
		return Service{}, refuseAction(svc.Type, action)
	}
	if err := e.writable(pid); err != nil {
		return Service{}, err
	}
	if action == "activate" && svc.State == "error" && svc.ErrorDuring != "" {
		// The CLI activates a service an upgrade left in error: that retries the upgrade
		// step now, which ends in upgraded, not a plain activation that would forget it.
		setState(&svc.Meta, svc.ErrorDuring, "")
		svc.ErrorDuring, svc.Failures, svc.RetryAt = "", 0, time.Time{}
		if err := e.put(svc); err != nil {
			return Service{}, err
		}
		e.Kick()
		return *svc, nil
	}
	if action == "deactivate" {
		svc.ErrorDuring = "" // stopped by the user: the failed step is over
	}
	switch action {
	case "activate":
		setState(&svc.Meta, "activating", "")
		svc.Failures, svc.RetryAt = 0, time.Time{}
	case "deactivate":
		setState(&svc.Meta, "deactivating", "")
	case "restart":
		setState(&svc.Meta, "restarting", "")
		for _, c := range e.containers {
			if c.ServiceID == id && c.Removed == nil && c.State == "running" {
				c.RestartPending = true
			}
		}
	case "setservicelinks":
		if err := e.setLinks(svc, links); err != nil {
			return Service{}, err
		}
	case "finishupgrade":
		e.finishUpgrade(svc)
	case "rollback":
		if err := e.rollback(svc); err != nil {
			return Service{}, err
		}
	default:
		return Service{}, &APIError{Status: 422, Code: "InvalidAction", FieldName: "action",
			Message: fmt.Sprintf("%s is not supported by spinlocal yet", action)}
	}
	if err := e.put(svc); err != nil {
		return Service{}, err
	}
	e.Kick()
	return *svc, nil
}

// setLinks replaces a service's links, checking that every target exists in the environment.
func (e *Emulator) setLinks(svc *Service, links []ServiceLink) error {
	out := make([]ServiceLink, 0, len(links))
	for _, l := range links {
		target, ok := e.services[l.ServiceID]
		if !ok || target.AccountID != svc.AccountID || target.Removed != nil {
			return invalid("InvalidReference", "serviceLinks", fmt.Sprintf(
				"linked service %q does not exist", l.ServiceID))
		}
		if l.Name == "" {
			l.Name = target.Name
		}
		l.ID = ""
		for _, old := range svc.Links {
			if old.ServiceID == l.ServiceID && old.Name == l.Name {
				l.ID = old.ID
			}
		}
		if l.ID == "" {
			id, err := e.nextID(prefixLink)
			if err != nil {
				return err
			}
			l.ID = id
		}
		out = append(out, l)
	}
	svc.Links = out
	return nil
}

// RemoveService removes a service and its containers.
func (e *Emulator) RemoveService(caller Caller, pid, id string) (Service, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	svc, err := e.changeService(caller, pid, id)
	if err != nil {
		return Service{}, err
	}
	if svc.Removed != nil || svc.State == "removing" {
		return *svc, nil
	}
	setState(&svc.Meta, "removing", "")
	if err := e.put(svc); err != nil {
		return Service{}, err
	}
	e.Kick()
	return *svc, nil
}

// ConsumeMaps lists the links of every service in an environment.
func (e *Emulator) ConsumeMaps(pid string) []ConsumeMap {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ConsumeMap
	for _, s := range sortedValues(e.services) {
		if s.AccountID != pid || s.Removed != nil {
			continue
		}
		for _, l := range s.Links {
			out = append(out, ConsumeMap{ID: l.ID, Name: l.Name, ServiceID: s.ID,
				ConsumedServiceID: l.ServiceID, AccountID: pid, Created: s.Created})
		}
	}
	return out
}

// ConsumeMap is one service link as the serviceConsumeMap resource shows it.
type ConsumeMap struct {
	ID, Name, ServiceID, ConsumedServiceID, AccountID string
	Created                                           time.Time
}

// imageOf returns a launch config's image without the docker: prefix.
func imageOf(lc map[string]any) string {
	s, _ := lc["imageUuid"].(string)
	return strings.TrimPrefix(s, "docker:")
}

// runsContainers reports whether a service kind has containers of its own.
func runsContainers(s *Service) bool {
	return s.Type == KindService || s.Type == "loadBalancerService"
}
