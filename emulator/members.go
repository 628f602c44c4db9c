package emulator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/emulator/store"
)

type storeTx = store.Tx

// newMember records a container for one launch config of a unit and returns the task
// that creates it. Callers hold e.mu.
func (e *Emulator) newMember(svc *Service, m member) (task, bool) {
	stack, ok := e.stacks[svc.StackID]
	if !ok {
		return task{}, false
	}
	lcfg := launchConfigFor(svc, m.name)
	volumesFrom, netContainer, ready := e.unitDependencies(svc, m.index, lcfg)
	if !ready {
		// A sibling it mounts or shares a network with is not there yet: next pass.
		return task{}, false
	}
	id, err := e.nextID(prefixContainer)
	if err != nil {
		e.log.Error("reconcile: cannot allocate a container id", "err", err)
		return task{}, false
	}
	svc.CreateIndex++
	name := containerName(stack.Name, svc.Name, m.name, m.index)
	unit := e.unitUUID(svc.ID, m.index)
	c := &Container{Meta: Meta{ID: id, Type: KindContainer, Name: name, UUID: newUUID(),
		AccountID: svc.AccountID, Created: time.Now().UTC()}, StackID: stack.ID,
		ServiceID: svc.ID, LaunchConfig: m.name, ServiceIndex: m.index,
		CreateIndex: svc.CreateIndex, UnitUUID: unit, HostID: HostID,
		ImageUUID: fmt.Sprint(lcfg["imageUuid"]), Spec: lcfg, Version: lcVersion(lcfg)}
	setState(&c.Meta, "creating", "")
	c.Labels = e.cattleLabels(stack, svc, c)
	e.containers[id] = c
	e.persist(svc)
	e.persist(c)

	project := e.projects[svc.AccountID]
	fqService := svc.Name + "." + stack.Name
	aliases := []string{name, fqService, fqService + ".rancher.internal"}
	if m.name != "" {
		fqSide := m.name + "." + fqService
		aliases = []string{name, fqSide, fqSide + ".rancher.internal"}
	}
	// The Spin public name of a publishing service is added by create (attachPublic).
	spec := engine.Spec{Name: name, Network: e.networkName(project), Aliases: aliases,
		DNSSearch: []string{strings.ToLower(stack.Name) + ".rancher.internal",
			strings.ToLower(fqService) + ".rancher.internal"},
		Labels: c.Labels, LaunchConfig: lcfg, BindHost: e.cfg.BindHost,
		Pull: svc.State == "upgrading", VolumesFrom: volumesFrom,
		NetworkContainer: netContainer}
	if netContainer != "" {
		spec.Aliases, spec.DNSSearch = nil, nil
	} else if m.name == "" {
		spec.Links = e.linkAliases(svc)
	}
	return task{kind: "create", container: id, spec: spec}, true
}

// linkAliases gives a service's primaries their link aliases (links: [db:database]) as
// Docker links to a running container of each target: Docker resolves them by name, so
// they follow a replaced target. Plain names need none. Callers hold e.mu.
func (e *Emulator) linkAliases(svc *Service) []string {
	var links []string
	for _, l := range svc.Links {
		target, ok := e.services[l.ServiceID]
		if !ok || (l.Name == target.Name && target.StackID == svc.StackID) {
			continue
		}
		for _, c := range e.liveContainers(target.ID) {
			if c.LaunchConfig == "" && !c.Retired && c.State == "running" &&
				c.DockerName != "" {
				links = append(links, c.DockerName+":"+l.Name)
				break
			}
		}
	}
	return links
}

// unitDependencies finds the Docker ids of the unit members a launch config mounts
// volumes from or shares the network of; ready is false while one is missing.
// Callers hold e.mu.
func (e *Emulator) unitDependencies(svc *Service, index int, lcfg map[string]any) (
	volumesFrom []string, network string, ready bool) {
	// Volumes can be mounted from a stopped sibling; a network can only be joined while
	// its owner runs (Docker refuses to start the joiner otherwise).
	sibling := func(name string, mayBeStopped bool) string {
		for _, c := range e.containers {
			if c.ServiceID == svc.ID && c.ServiceIndex == index && c.LaunchConfig == name &&
				c.Removed == nil && !c.Retired && c.DockerID != "" &&
				(c.State == "running" || (mayBeStopped && c.State == "stopped")) {
				return c.DockerID
			}
		}
		return ""
	}
	names, _ := lcfg["dataVolumesFromLaunchConfigs"].([]any)
	for _, n := range names {
		id := sibling(lcNameOf(svc, fmt.Sprint(n)), true)
		if id == "" {
			return nil, "", false
		}
		volumesFrom = append(volumesFrom, id)
	}
	if mode, _ := lcfg["networkMode"].(string); mode == "container" {
		target, _ := lcfg["networkLaunchConfig"].(string)
		if network = sibling(lcNameOf(svc, target), false); network == "" {
			return nil, "", false
		}
	}
	return volumesFrom, network, true
}

// lcNameOf maps a launch config name to the member key: "" for the primary.
func lcNameOf(svc *Service, name string) string {
	if name == svc.Name {
		return ""
	}
	return name
}

// unitUUID returns the deployment unit id shared by the members of one unit.
func (e *Emulator) unitUUID(serviceID string, index int) string {
	for _, c := range e.containers {
		if c.ServiceID == serviceID && c.ServiceIndex == index && c.Removed == nil {
			return c.UnitUUID
		}
	}
	return newUUID()
}

// cattleLabels are the labels Cattle put on service containers, plus the daemon's own.
func (e *Emulator) cattleLabels(stack *Stack, svc *Service, c *Container) map[string]string {
	stackService := stack.Name + "/" + svc.Name
	lcLabel := "io.rancher.service.primary.launch.config"
	if c.LaunchConfig != "" {
		stackService += "/" + c.LaunchConfig
		lcLabel = c.LaunchConfig
	}
	return map[string]string{
		engine.LabelDaemon:                   e.daemonID,
		engine.LabelContainerID:              c.ID,
		engine.LabelProjectID:                c.AccountID,
		"io.rancher.stack.name":              stack.Name,
		"io.rancher.stack_service.name":      stackService,
		"io.rancher.project.name":            stack.Name,
		"io.rancher.project_service.name":    stackService,
		"io.rancher.service.deployment.unit": c.UnitUUID,
		"io.rancher.service.launch.config":   lcLabel,
		"io.rancher.container.uuid":          c.UUID,
		"io.rancher.container.name":          c.Name,
	}
}

// networkName is the Docker network of an environment.
func (e *Emulator) networkName(p *Project) string {
	if p == nil {
		return e.cfg.NetworkPrefix
	}
	return e.cfg.NetworkPrefix + "-" + p.Name
}

// execute performs one task against Docker and records the outcome.
func (e *Emulator) execute(ctx context.Context, t task) {
	switch t.kind {
	case "create":
		e.create(ctx, t)
	case "start":
		err := e.recheckGlobal(t.container)
		if err == nil {
			err = e.eng.Start(ctx, t.dockerID)
		}
		e.afterStart(ctx, t.container, t.dockerID, err)
	case "stop":
		err := e.eng.Stop(ctx, t.dockerID, 0)
		e.record(t.container, func(c *Container) {
			if err != nil {
				setState(&c.Meta, c.State, err.Error())
				return
			}
			setState(&c.Meta, "stopped", "")
		})
	case "restart":
		err := e.eng.Stop(ctx, t.dockerID, 0)
		if err == nil {
			err = e.recheckGlobal(t.container)
		}
		if err == nil {
			err = e.eng.Start(ctx, t.dockerID)
		}
		e.record(t.container, func(c *Container) { c.RestartPending = false })
		e.afterStart(ctx, t.container, t.dockerID, err)
	case "rename":
		err := e.eng.Rename(ctx, t.dockerID, t.spec.Name)
		e.record(t.container, func(c *Container) {
			if err != nil {
				// Someone else's container holds the name: keep the suffixed one.
				c.NameTaken = true
				return
			}
			c.DockerName = t.spec.Name
		})
	case "remove":
		var err error
		if t.dockerID != "" {
			err = e.eng.Remove(ctx, t.dockerID)
		}
		e.update(t.container, func(c *Container) {
			if err != nil {
				c.TransitioningMessage = err.Error()
				return
			}
			setState(&c.Meta, "removed", "")
		})
	}
}

// create makes and starts one container; on failure nothing is left in Docker and the
// container and its service show the reason.
func (e *Emulator) create(ctx context.Context, t task) {
	netInfo, err := e.ensureNetwork(ctx, t.spec.Network)
	if err != nil {
		e.fail(t.container, err)
		return
	}
	t.spec = e.assignAddress(t.container, t.spec, netInfo)
	t.spec = e.attachPublic(ctx, t.spec, t.container)
	spec, err := e.attachVolumes(ctx, t)
	if err != nil {
		e.fail(t.container, err)
		return
	}
	spec, err = e.attachGlobal(spec)
	if err != nil {
		e.fail(t.container, err)
		return
	}
	spec, err = e.attachSecrets(ctx, spec, t.container)
	if err != nil {
		e.fail(t.container, err)
		return
	}
	spec, err = e.attachHosts(ctx, spec, t.container)
	if err != nil {
		e.fail(t.container, err)
		return
	}
	st, err := e.eng.Create(ctx, spec)
	if err != nil {
		if engine.IsAmbiguous(err) {
			// Two networks of one name (see engine.inspectByName): ensure it again next
			// time, which leaves one.
			e.mu.Lock()
			delete(e.networks, spec.Network)
			e.mu.Unlock()
		}
		e.fail(t.container, err)
		return
	}
	kept := false
	e.update(t.container, func(c *Container) {
		c.DockerID, c.DockerName = st.ID, st.Name
		c.HostsFile = spec.HostsFile != ""
		if c.Removed == nil && c.State != "removing" {
			setState(&c.Meta, "starting", "")
			kept = true
		}
	})
	if !kept {
		// Removed while Docker created it (the stack went away): undo, leave nothing.
		if err := e.eng.Remove(ctx, st.ID); err != nil {
			e.log.Warn("cannot remove a container created for a removed record", "err", err)
		}
		e.update(t.container, func(c *Container) { setState(&c.Meta, "removed", "") })
		return
	}
	if err := e.eng.Start(ctx, st.ID); err != nil {
		if rmErr := e.eng.Remove(ctx, st.ID); rmErr != nil {
			e.log.Warn("cannot remove container after failed start", "err", rmErr)
		}
		e.update(t.container, func(c *Container) { c.DockerID = "" })
		e.fail(t.container, e.explainPort(ctx, err))
		return
	}
	e.log.Info("container started", "name", t.spec.Name, "docker", st.Name)
	e.afterStart(ctx, t.container, st.ID, nil)
}

// afterStart records a started container's address, or the failure.
func (e *Emulator) afterStart(ctx context.Context, id, dockerID string, err error) {
	if err != nil {
		e.fail(id, e.explainPort(ctx, err))
		return
	}
	st, ierr := e.eng.Inspect(ctx, dockerID)
	e.record(id, func(c *Container) {
		c.StartCount++
		if ierr == nil {
			c.IPAddress = st.IPAddress
		}
		if ierr == nil && !st.Running {
			setState(&c.Meta, "stopped", "")
			return
		}
		setState(&c.Meta, "running", "")
		startHealth(c)
	})
	// Its own address is known only now.
	e.refreshHosts(ctx, id)
}

// fail puts a container and its service in error with Docker's reason, and backs off
// before the service tries again.
func (e *Emulator) fail(id string, err error) {
	e.log.Warn("container failed", "id", id, "err", err)
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[id]
	if !ok || c.Removed != nil || c.State == "removing" {
		return
	}
	msg := dockerReason(err)
	setState(&c.Meta, "error", msg)
	e.persist(c)
	svc, ok := e.services[c.ServiceID]
	if !ok || svc.State == "removing" || svc.State == "deactivating" ||
		svc.State == "inactive" {
		return
	}
	e.logContainerError(svc, c, msg)
	svc.Failures++
	backoff := time.Duration(1<<min(svc.Failures, 6)) * time.Second
	svc.RetryAt = time.Now().Add(backoff)
	switch svc.State {
	case "upgrading", "finishing-upgrade", "rolling-back":
		svc.ErrorDuring = svc.State
	}
	setState(&svc.Meta, "error", fmt.Sprintf("%s: %s", c.Name, msg))
	e.persist(svc)
}

// dockerReason shortens a Docker error to the part a user needs.
func dockerReason(err error) string {
	var conflict *portConflict
	if errors.As(err, &conflict) {
		return conflict.Error()
	}
	msg := err.Error()
	if m := portTaken.FindStringSubmatch(msg); m != nil {
		return (&portConflict{addr: m[1] + m[3], holder: "another container or program"}).
			Error()
	}
	if i := strings.Index(msg, "Error response from daemon: "); i >= 0 {
		msg = msg[:i] + msg[i+len("Error response from daemon: "):]
	}
	return msg
}

// update applies fn to a container record under the lock and saves it.
func (e *Emulator) update(id string, fn func(*Container)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.containers[id]; ok {
		fn(c)
		e.persist(c)
	}
}

// record applies the outcome of a start, stop or restart, unless the container was
// removed (or asked to be) while Docker worked: a late result must not revive it.
func (e *Emulator) record(id string, fn func(*Container)) {
	e.update(id, func(c *Container) {
		if c.Removed == nil && c.State != "removing" {
			fn(c)
		}
	})
}

// ensureNetwork creates an environment's network once per daemon run and reports it.
// Creates of one pass run concurrently, so the check and the create are serialised:
// Docker would accept two networks of one name.
func (e *Emulator) ensureNetwork(ctx context.Context, name string) (engine.Network, error) {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	e.mu.Lock()
	known, done := e.networks[name]
	e.mu.Unlock()
	if done {
		return known, nil
	}
	n, err := e.eng.EnsureNetwork(ctx, name, e.ownLabels())
	if err != nil {
		return engine.Network{}, err
	}
	e.mu.Lock()
	e.networks[name] = n
	e.mu.Unlock()
	return n, nil
}
