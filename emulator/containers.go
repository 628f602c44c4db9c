package emulator

import (
	"context"
	"fmt"
	"io"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// ContainerAction runs start, stop or restart on a container. The Docker work happens in
// the reconciler; the reply shows the transitioning state.
func (e *Emulator) ContainerAction(caller Caller, pid, id, action string) (Container,
	error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.changeContainer(caller, pid, id)
	if err != nil {
		return Container{}, err
	}
	if !allows(KindContainer, c.State, action) {
		return Container{}, refuseAction(KindContainer, action)
	}
	if err := e.writable(pid); err != nil {
		return Container{}, err
	}
	switch action {
	case "start":
		c.Desired = ""
		setState(&c.Meta, "starting", "")
	case "stop":
		c.Desired = "stopped"
		setState(&c.Meta, "stopping", "")
	case "restart":
		c.Desired = ""
		c.RestartPending = true
		setState(&c.Meta, "restarting", "")
	default:
		return Container{}, &APIError{Status: 422, Code: "InvalidAction", FieldName: "action",
			Message: action + " is not supported on containers by spinlocal yet"}
	}
	if err := e.put(c); err != nil {
		return Container{}, err
	}
	e.Kick()
	return *c, nil
}

// RemoveContainer deletes a container, stopping it first. A container of an active service
// is replaced by the reconciler, as Cattle did.
func (e *Emulator) RemoveContainer(caller Caller, pid, id string) (Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.changeContainer(caller, pid, id)
	if err != nil {
		return Container{}, err
	}
	if c.Removed != nil || c.State == "removing" {
		return *c, nil
	}
	setState(&c.Meta, "removing", "")
	if err := e.put(c); err != nil {
		return Container{}, err
	}
	e.Kick()
	return *c, nil
}

// Logs streams a container's output from Docker.
func (e *Emulator) Logs(ctx context.Context, pid, id string, opts engine.LogOptions) (
	io.ReadCloser, bool, error) {
	c, err := e.Container(pid, id)
	if err != nil {
		return nil, false, err
	}
	if c.DockerID == "" {
		return nil, false, invalid("InvalidState", "state", fmt.Sprintf(
			"container %s has no Docker container (state %s)", c.Name, c.State))
	}
	return e.eng.Logs(ctx, c.DockerID, opts)
}
