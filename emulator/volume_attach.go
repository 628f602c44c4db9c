package emulator

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// attachVolumes binds the named volumes a container about to be created mounts, making
// the missing volume records and Docker volumes. It returns the spec to create the
// container with: a copy whose dataVolumes name the Docker volumes; the stored launch
// config is left as the user wrote it.
func (e *Emulator) attachVolumes(ctx context.Context, t task) (engine.Spec, error) {
	e.mu.Lock()
	lcfg, vols, err := e.bindVolumes(t.container, t.spec.LaunchConfig)
	e.mu.Unlock()
	if err != nil {
		return t.spec, err
	}
	for _, v := range vols {
		if err := e.ensureDockerVolume(ctx, v); err != nil {
			return t.spec, err
		}
	}
	spec := t.spec
	spec.LaunchConfig = lcfg
	return spec, nil
}

// bindVolumes resolves the named entries of lcfg's dataVolumes for container cid and
// records the mounts. Callers hold e.mu.
func (e *Emulator) bindVolumes(cid string, lcfg map[string]any) (map[string]any, []Volume,
	error) {
	entries := stringList(lcfg["dataVolumes"])
	named := false
	for _, raw := range entries {
		if _, _, ok := namedMount(raw); ok {
			named = true
		}
	}
	if !named {
		return lcfg, nil, nil
	}
	c, ok := e.containers[cid]
	if !ok || c.Removed != nil {
		return nil, nil, errVolumeGone
	}
	out := make([]any, 0, len(entries))
	var bound []Volume
	var changed []any
	for _, raw := range entries {
		name, target, ok := namedMount(raw)
		if !ok {
			out = append(out, raw)
			continue
		}
		v, err := e.volumeFor(c, name, lcfg)
		if err != nil {
			return nil, nil, err
		}
		v.Used = true
		path, mode, _ := strings.Cut(target, ":")
		perms := "rw"
		if strings.Contains(","+mode+",", ",ro,") {
			perms = "ro"
		}
		v.Mounts = append(v.Mounts, VolumeMount{InstanceID: c.ID, InstanceName: c.Name,
			Path: path, Permissions: perms})
		changed = append(changed, v)
		bound = append(bound, *v)
		out = append(out, v.DockerName+":"+target)
	}
	if err := e.put(changed...); err != nil {
		return nil, nil, err
	}
	cp := maps.Clone(lcfg)
	cp["dataVolumes"] = out
	return cp, bound, nil
}

// namedMount splits a dataVolumes entry "name:/path[:mode]" that names a volume; binds of
// host paths and anonymous volumes are not named.
func namedMount(entry string) (name, target string, ok bool) {
	name, target, found := strings.Cut(entry, ":")
	if !found || name == "" || strings.ContainsAny(name[:1], "/.~") ||
		strings.Contains(name, "/") {
		return "", "", false
	}
	return name, target, true
}

// volumeFor finds or makes the volume a container's mount of name refers to: the stack's
// template first, then an environment volume of that name, else a new environment
// volume. Callers hold e.mu.
func (e *Emulator) volumeFor(c *Container, name string, lcfg map[string]any) (*Volume,
	error) {
	stack := e.stacks[c.StackID]
	if stack != nil {
		for _, vt := range sortedValues(e.vtemplates) {
			if vt.StackID == stack.ID && vt.Removed == nil && vt.Name == name {
				return e.templateVolume(vt, stack, c)
			}
		}
	}
	if v := e.volumeNamed(c.AccountID, name, true); v != nil {
		if err := e.mayBindVolume(stack, c, v); err != nil {
			return nil, err
		}
		return v, usable(v)
	}
	if err := validVolumeName(name); err != nil {
		return nil, fmt.Errorf("named volume of %s: %w", c.Name, err)
	}
	driver, err := volumeDriver(fmt.Sprint(orNil(lcfg["volumeDriver"])))
	if err != nil {
		return nil, fmt.Errorf("named volume %s of %s: %w", name, c.Name, err)
	}
	owner := ""
	if stack != nil {
		owner = stack.Owner
	}
	return e.newVolume(c.AccountID, name, driver, nil, owner)
}

// templateVolume returns the volume a stack's template stands for: the environment volume
// of an external template, else the stack's (or, per container, the unit's) own volume,
// made on first use. Callers hold e.mu.
func (e *Emulator) templateVolume(vt *VolumeTemplate, stack *Stack, c *Container) (*Volume,
	error) {
	if vt.External {
		v := e.volumeNamed(c.AccountID, vt.Name, true)
		if v == nil {
			driver, _ := volumeDriver(vt.Driver)
			env := c.AccountID
			if p := e.projects[c.AccountID]; p != nil {
				env = p.Name
			}
			return nil, fmt.Errorf("volume %s is declared external in stack %s, but "+
				"environment %s has no volume of that name; create it first with "+
				"`rancher volume create --driver %s %s`", vt.Name, stack.Name, env, driver,
				vt.Name)
		}
		if err := e.mayBindVolume(stack, c, v); err != nil {
			return nil, err
		}
		return v, usable(v)
	}
	for _, v := range sortedValues(e.volumes) {
		if v.TemplateID == vt.ID && v.Removed == nil && v.State != "removing" &&
			(!vt.PerContainer || v.UnitUUID == c.UnitUUID) {
			return v, nil
		}
	}
	driver, err := volumeDriver(vt.Driver)
	if err != nil {
		return nil, err
	}
	var name string
	for {
		name = fmt.Sprintf("%s_%s_%s", stack.Name, vt.Name, randomHex(3)[:5])
		if vt.PerContainer {
			name = fmt.Sprintf("%s_%s_%d_%s_%s", stack.Name, vt.Name, c.ServiceIndex,
				c.UnitUUID, randomHex(3)[:5])
		}
		if e.volumeNamed(c.AccountID, name, false) == nil {
			break
		}
	}
	v, err := e.newVolume(c.AccountID, name, driver, vt.DriverOpts, stack.Owner)
	if err != nil {
		return nil, err
	}
	v.StackID, v.TemplateID = stack.ID, vt.ID
	if vt.PerContainer {
		v.UnitUUID = c.UnitUUID
	}
	return v, nil
}

// existingVolumeFor is the environment volume a mount of name in stack st would bind (an
// external template's, else the environment volume of that name), or nil when the mount
// binds the stack's own volume or makes a new one. Callers hold e.mu.
func (e *Emulator) existingVolumeFor(st *Stack, name string) *Volume {
	for _, vt := range sortedValues(e.vtemplates) {
		if vt.StackID == st.ID && vt.Removed == nil && vt.Name == name {
			if !vt.External {
				return nil
			}
			break
		}
	}
	return e.volumeNamed(st.AccountID, name, true)
}

// mayBindVolume is the last check before container c of stack st mounts environment
// volume v: the audit (mayMountVolume) refused the services of someone else's volume, and
// this refuses a volume that turned up since, made by another user between the audit and
// the container. The volume's owner must own the stack or be in its group: tag. Callers
// hold e.mu.
func (e *Emulator) mayBindVolume(st *Stack, c *Container, v *Volume) error {
	if st == nil || v.Owner == "" || v.Owner == st.Owner ||
		e.mayChange(Caller{User: v.Owner}, st.ID) == nil {
		return nil
	}
	return fmt.Errorf("container %s of stack %s: you don't own volume %s", c.Name, st.Name,
		v.Name)
}

// usable refuses a volume whose removal is under way.
func usable(v *Volume) error {
	if v.State == "removing" {
		return fmt.Errorf("volume %s is being removed; wait until it is gone and deploy "+
			"again", v.Name)
	}
	return nil
}
