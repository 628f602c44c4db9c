package emulator

import (
	"errors"
	"fmt"
	"maps"
	"time"
)

// CreateVolumeTemplate records a top-level compose volume of a stack the caller may change.
// An external one naming another user's volume is refused, as its services would be.
func (e *Emulator) CreateVolumeTemplate(caller Caller, pid string, in VolumeTemplateInput) (
	VolumeTemplate, error) {
	if err := validVolumeName(in.Name); err != nil {
		return VolumeTemplate{}, err
	}
	if _, err := volumeDriver(in.Driver); err != nil && !in.External {
		return VolumeTemplate{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.stacks[in.StackID]
	if !ok || st.AccountID != pid {
		return VolumeTemplate{}, invalid("InvalidReference", "stackId", fmt.Sprintf(
			"stack %q does not exist in this environment", in.StackID))
	}
	if st.Removed != nil || st.State == "removing" {
		return VolumeTemplate{}, invalid("InvalidState", "stackId",
			"stack is not in a valid state")
	}
	if err := e.mayChange(caller, st.ID); err != nil {
		return VolumeTemplate{}, err
	}
	if err := e.writable(pid); err != nil {
		return VolumeTemplate{}, err
	}
	if v := e.volumeNamed(pid, in.Name, true); in.External && v != nil {
		if err := e.mayMountVolume(caller, st, v); err != nil {
			return VolumeTemplate{}, err
		}
	}
	for _, vt := range e.vtemplates {
		if vt.StackID == st.ID && vt.Removed == nil && vt.Name == in.Name {
			return VolumeTemplate{}, invalid("NotUnique", "name", fmt.Sprintf(
				"stack %s already has a volume template %s (%s)", st.Name, in.Name, vt.ID))
		}
	}
	id, err := e.nextID(prefixVolumeTemplate)
	if err != nil {
		return VolumeTemplate{}, err
	}
	vt := &VolumeTemplate{Meta: Meta{ID: id, Type: KindVolumeTemplate, Name: in.Name,
		UUID: newUUID(), AccountID: pid, Created: time.Now().UTC()}, StackID: st.ID,
		Driver: in.Driver, DriverOpts: maps.Clone(in.DriverOpts), External: in.External,
		PerContainer: in.PerContainer, Owner: caller.User}
	setState(&vt.Meta, "active", "")
	e.vtemplates[id] = vt
	if err := e.put(vt); err != nil {
		delete(e.vtemplates, id)
		return VolumeTemplate{}, err
	}
	return *vt, nil
}

// RemoveVolumeTemplate removes a template; volumes made from it stay until their stack
// goes.
func (e *Emulator) RemoveVolumeTemplate(caller Caller, pid, id string) (VolumeTemplate,
	error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	vt, ok := e.vtemplates[id]
	if !ok || vt.AccountID != pid {
		return VolumeTemplate{}, notFound()
	}
	if err := e.mayChange(caller, vt.StackID); err != nil {
		return VolumeTemplate{}, err
	}
	if vt.Removed == nil {
		setState(&vt.Meta, "removed", "")
		if err := e.put(vt); err != nil {
			return VolumeTemplate{}, err
		}
	}
	return *vt, nil
}

// VolumeTemplates returns the templates of an environment, removed ones included, by id.
func (e *Emulator) VolumeTemplates(pid string) []VolumeTemplate {
	e.mu.Lock()
	defer e.mu.Unlock()
	return collect(e.vtemplates, func(vt *VolumeTemplate) bool {
		return vt.AccountID == pid
	})
}

// VolumeTemplate returns one template of an environment.
func (e *Emulator) VolumeTemplate(pid, id string) (VolumeTemplate, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	vt, ok := e.vtemplates[id]
	if !ok || vt.AccountID != pid {
		return VolumeTemplate{}, notFound()
	}
	return *vt, nil
}

// errVolumeGone is returned when a container record disappears before its volumes are
// bound.
var errVolumeGone = errors.New("the container record is gone")
