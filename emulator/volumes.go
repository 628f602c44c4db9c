package emulator

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// Volumes (cattle-semantics 8). Every Cattle volume is backed by one Docker local volume
// named <network prefix>-<environment>-<volume name>, so names are unique per environment
// and data outlives containers and daemon restarts. Three scopes exist: environment
// volumes (made by `rancher volume create`, or on first use of an unknown name), stack
// volumes made lazily from a stack's volume template, and per-unit volumes of a
// template with perContainer set.

// Kinds and id prefixes of the storage resources.
const (
	KindVolume           = "volume"
	KindVolumeTemplate   = "volumeTemplate"
	prefixVolume         = "v"
	prefixVolumeTemplate = "vt"
)

// The storage drivers spinlocal offers; both are Docker local volumes underneath.
const (
	DriverLocal = "local"
	DriverNFS   = "rancher-nfs"
)

// maxVolumeName bounds volume names; the Docker name adds the prefix and environment.
const maxVolumeName = 128

// Volume is a Cattle volume.
type Volume struct {
	Meta
	Driver     string            `json:"driver"`
	DriverOpts map[string]string `json:"driverOpts,omitempty"`
	Owner      string            `json:"owner,omitempty"`
	// StackID and TemplateID are set on volumes made from a stack's volume template.
	StackID    string `json:"stackId,omitempty"`
	TemplateID string `json:"volumeTemplateId,omitempty"`
	// UnitUUID is set on a per-container volume: the deployment unit it belongs to.
	UnitUUID   string `json:"deploymentUnitUuid,omitempty"`
	DockerName string `json:"dockerName"`
	// Used says a container has mounted the volume once: idle, it is detached.
	Used   bool          `json:"used,omitempty"`
	Mounts []VolumeMount `json:"mounts,omitempty"`
	// dropping marks a removal whose Docker call is under way.
	dropping bool
}

// VolumeMount is one container's use of a volume.
type VolumeMount struct {
	InstanceID   string `json:"instanceId"`
	InstanceName string `json:"instanceName"`
	Path         string `json:"path"`
	Permissions  string `json:"permissions"`
}

// VolumeTemplate is a stack's top-level compose volume.
type VolumeTemplate struct {
	Meta
	StackID      string            `json:"stackId"`
	Driver       string            `json:"driver,omitempty"`
	DriverOpts   map[string]string `json:"driverOpts,omitempty"`
	External     bool              `json:"external,omitempty"`
	PerContainer bool              `json:"perContainer,omitempty"`
	Owner        string            `json:"owner,omitempty"`
}

// VolumeInput is what `rancher volume create` sends.
type VolumeInput struct {
	Name       string
	Driver     string
	DriverOpts map[string]string
}

// VolumeTemplateInput is what `rancher up` sends for a top-level compose volume.
type VolumeTemplateInput struct {
	VolumeInput
	StackID      string
	External     bool
	PerContainer bool
}

// validVolumeName applies Rancher's volume-name rule: a letter or digit, then lower-case
// letters, digits, '_', '.' and '-'. ".." is refused too: the name ends up in a path.
func validVolumeName(n string) error {
	if n == "" {
		return invalid("MissingRequired", "name", "a volume needs a name")
	}
	ok := len(n) <= maxVolumeName && isAlnum(rune(n[0])) && !strings.Contains(n, "..")
	for _, r := range n[1:] {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' ||
			r == '-') {
			ok = false
		}
	}
	if !ok {
		return invalid("InvalidCharacters", "name", fmt.Sprintf("volume name %q is not "+
			"allowed: it must start with a letter or digit, continue with lower-case "+
			"letters a-z, digits 0-9, '_', '.' or '-' (no '/', no \"..\"), and be at most "+
			"%d characters", n, maxVolumeName))
	}
	return nil
}

// volumeDriver checks a requested driver; empty means local.
func volumeDriver(d string) (string, error) {
	switch d {
	case "":
		return DriverLocal, nil
	case DriverLocal, DriverNFS:
		return d, nil
	}
	return "", invalid("InvalidOption", "driver", fmt.Sprintf("storage driver %q is not "+
		"available; spinlocal offers %s (node storage) and %s", d, DriverLocal, DriverNFS))
}

// CreateVolume makes an environment volume owned by the caller, with its Docker volume.
func (e *Emulator) CreateVolume(ctx context.Context, caller Caller, pid string,
	in VolumeInput) (Volume, error) {
	if err := validVolumeName(in.Name); err != nil {
		return Volume{}, err
	}
	driver, err := volumeDriver(in.Driver)
	if err != nil {
		return Volume{}, err
	}
	e.mu.Lock()
	if err := e.writable(pid); err != nil {
		e.mu.Unlock()
		return Volume{}, err
	}
	if v := e.volumeNamed(pid, in.Name, false); v != nil {
		e.mu.Unlock()
		return Volume{}, invalid("NotUnique", "name", fmt.Sprintf(
			"a volume named %s already exists in this environment (%s)", in.Name, v.ID))
	}
	v, err := e.newVolume(pid, in.Name, driver, in.DriverOpts, caller.User)
	var snapshot Volume
	if err == nil {
		setState(&v.Meta, "registering", "")
		err = e.put(v)
		snapshot = *v
	}
	e.mu.Unlock()
	if err != nil {
		return Volume{}, err
	}
	derr := e.ensureDockerVolume(ctx, snapshot)
	e.mu.Lock()
	defer e.mu.Unlock()
	if derr != nil {
		delete(e.volumes, v.ID)
		e.forget(bucketVolumes, v.ID)
		return Volume{}, derr
	}
	setState(&v.Meta, "inactive", "")
	return e.volumeView(v), e.put(v)
}

// newVolume records a volume in state inactive without saving it. Callers hold e.mu.
func (e *Emulator) newVolume(pid, name, driver string, opts map[string]string,
	owner string) (*Volume, error) {
	id, err := e.nextID(prefixVolume)
	if err != nil {
		return nil, err
	}
	v := &Volume{Meta: Meta{ID: id, Type: KindVolume, Name: name, UUID: newUUID(),
		AccountID: pid, Created: time.Now().UTC()}, Driver: driver,
		DriverOpts: maps.Clone(opts), Owner: owner,
		DockerName: e.networkName(e.projects[pid]) + "-" + name}
	setState(&v.Meta, "inactive", "")
	e.volumes[id] = v
	return v, nil
}

// volumeNamed finds a volume of the environment that is not removed, by name; envOnly
// skips volumes made from templates. Callers hold e.mu.
func (e *Emulator) volumeNamed(pid, name string, envOnly bool) *Volume {
	for _, v := range sortedValues(e.volumes) {
		if v.AccountID == pid && v.Removed == nil && v.Name == name &&
			(!envOnly || v.TemplateID == "") {
			return v
		}
	}
	return nil
}

// ensureDockerVolume creates the Docker volume behind v unless it exists, and refuses one
// this daemon did not make.
func (e *Emulator) ensureDockerVolume(ctx context.Context, v Volume) error {
	labels := map[string]string{engine.LabelDaemon: e.daemonID, engine.LabelVolumeID: v.ID,
		engine.LabelVolumeDriver: v.Driver, engine.LabelProjectID: v.AccountID}
	st, err := e.eng.CreateVolume(ctx, engine.VolumeSpec{Name: v.DockerName, Labels: labels})
	if err != nil {
		return fmt.Errorf("volume %s: %w", v.Name, err)
	}
	if st.Labels[engine.LabelDaemon] != e.daemonID {
		return &APIError{Status: 409, Code: "Conflict", Message: fmt.Sprintf("Docker volume "+
			"%s already exists and was not made by this spinlocal daemon; remove it "+
			"(docker volume rm %s) or choose another name", v.DockerName, v.DockerName)}
	}
	if owner := st.Labels[engine.LabelProjectID]; owner != "" && owner != v.AccountID {
		// Environment and volume names both hold '-': env a's volume b-c and env a-b's
		// volume c would share one Docker volume.
		return &APIError{Status: 409, Code: "Conflict", Message: fmt.Sprintf("Docker volume "+
			"%s already holds the data of a volume of another environment (names with "+
			"'-' can meet this way); choose another volume name", v.DockerName)}
	}
	return nil
}

// RemoveVolume deletes a volume the caller owns that no container uses, with its data.
func (e *Emulator) RemoveVolume(ctx context.Context, caller Caller, pid, id string) (Volume,
	error) {
	e.mu.Lock()
	v, ok := e.volumes[id]
	if !ok || v.AccountID != pid {
		e.mu.Unlock()
		return Volume{}, notFound()
	}
	if err := e.mayChangeVolume(caller, v); err != nil {
		e.mu.Unlock()
		return Volume{}, err
	}
	if v.Removed != nil || v.State == "removing" {
		defer e.mu.Unlock()
		return e.volumeView(v), nil
	}
	if err := e.volumeInUse(v); err != nil {
		e.mu.Unlock()
		return Volume{}, err
	}
	before := v.Meta
	setState(&v.Meta, "removing", "")
	v.dropping = true
	err := e.put(v)
	snapshot := *v
	e.mu.Unlock()
	if err == nil {
		err = e.dropDockerVolume(ctx, snapshot)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v.dropping = false
	if err != nil {
		v.Meta = before
		e.persist(v)
		return Volume{}, &APIError{Status: 409, Code: "Conflict", Message: fmt.Sprintf(
			"cannot remove volume %s: %s", v.Name, dockerReason(err))}
	}
	setState(&v.Meta, "removed", "")
	return e.volumeView(v), e.put(v)
}

// mayChangeVolume checks the caller owns the volume, or may change the stack it belongs
// to. Callers hold e.mu.
func (e *Emulator) mayChangeVolume(caller Caller, v *Volume) error {
	if v.Owner == "" || v.Owner == caller.User {
		return nil
	}
	if v.StackID != "" && e.mayChange(caller, v.StackID) == nil {
		return nil
	}
	return spinDenied("you don't own this volume")
}

// volumeInUse refuses the removal of a volume that containers still mount. Callers hold
// e.mu.
func (e *Emulator) volumeInUse(v *Volume) error {
	users := e.volumeUsers(v)
	if len(users) == 0 {
		return nil
	}
	var names, services []string
	seen := map[string]bool{}
	for _, c := range users {
		names = append(names, c.Name)
		svc, ok := e.services[c.ServiceID]
		st, sok := e.stacks[c.StackID]
		if ok && sok && !seen[svc.ID] {
			seen[svc.ID] = true
			services = append(services, st.Name+"/"+svc.Name)
		}
	}
	how := "remove those containers first"
	if len(services) > 0 {
		how = fmt.Sprintf("stop and remove the service(s) using it first (rancher rm %s), "+
			"or remove their stack", strings.Join(services, " "))
	}
	return &APIError{Status: 409, Code: "Conflict", Message: fmt.Sprintf("volume %s is in "+
		"use by container(s) %s; %s, then remove the volume", v.Name,
		strings.Join(names, ", "), how)}
}

// volumeUsers are the containers that mount v and are not removed. Callers hold e.mu.
func (e *Emulator) volumeUsers(v *Volume) []*Container {
	var out []*Container
	seen := map[string]bool{}
	for _, m := range v.Mounts {
		c, ok := e.containers[m.InstanceID]
		if ok && c.Removed == nil && !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out
}

// dropDockerVolume deletes the Docker volume behind v, unless a rancher-nfs volume asks to
// keep its data (onRemove: retain).
func (e *Emulator) dropDockerVolume(ctx context.Context, v Volume) error {
	if v.Driver == DriverNFS && v.DriverOpts["onRemove"] == "retain" {
		return nil
	}
	return e.eng.RemoveVolume(ctx, v.DockerName)
}

// volumeView is a copy of v as the API shows it: mounts of live containers only, and the
// state derived from them (active while a mounting container runs). Callers hold e.mu.
func (e *Emulator) volumeView(v *Volume) Volume {
	out := *v
	out.Mounts = nil
	running := false
	for _, m := range v.Mounts {
		c, ok := e.containers[m.InstanceID]
		if !ok || c.Removed != nil {
			continue
		}
		out.Mounts = append(out.Mounts, m)
		switch c.State {
		case "running", "starting", "restarting":
			running = true
		}
	}
	switch v.State {
	case "inactive", "active", "detached":
		state := "inactive"
		if running {
			state = "active"
		} else if v.Used {
			state = "detached"
		}
		out.State, out.Transitioning = state, transitioningFor(state)
	}
	return out
}

// Volumes returns the volumes of an environment, removed ones included, by id.
func (e *Emulator) Volumes(pid string) []Volume {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Volume
	for _, v := range sortedValues(e.volumes) {
		if v.AccountID == pid {
			out = append(out, e.volumeView(v))
		}
	}
	return out
}

// Volume returns one volume of an environment.
func (e *Emulator) Volume(pid, id string) (Volume, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.volumes[id]
	if !ok || v.AccountID != pid {
		return Volume{}, notFound()
	}
	return e.volumeView(v), nil
}
