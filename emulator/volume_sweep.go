package emulator

import (
	"context"
	"fmt"
	"time"
)

// reconcileVolumes removes the volumes whose scope has ended: stack volumes once their
// stack is removed, per-container volumes once their unit is gone, and volumes left in
// removing by an earlier failure. It runs at the end of every reconciler pass.
func (e *Emulator) reconcileVolumes(ctx context.Context) {
	e.mu.Lock()
	drop := e.planVolumes(time.Now())
	e.mu.Unlock()
	for _, v := range drop {
		err := e.dropDockerVolume(ctx, v)
		e.mu.Lock()
		if cur, ok := e.volumes[v.ID]; ok && cur.State == "removing" && !cur.dropping {
			if err != nil {
				cur.TransitioningMessage = dockerReason(err)
				e.log.Warn("reconcile: cannot remove volume", "volume", v.Name, "err", err)
			} else {
				setState(&cur.Meta, "removed", "")
			}
			e.persist(cur)
		}
		e.mu.Unlock()
	}
}

// planVolumes retires templates and volumes whose scope ended and lists the volumes
// ready for their Docker removal. Callers hold e.mu.
func (e *Emulator) planVolumes(now time.Time) []Volume {
	for id, vt := range e.vtemplates {
		switch {
		case vt.Removed != nil && now.Sub(*vt.Removed) > purgeAfter:
			delete(e.vtemplates, id)
			e.forget(bucketTemplates, id)
		case vt.Removed == nil && e.stackGone(vt.StackID):
			setState(&vt.Meta, "removed", "")
			e.persist(vt)
		}
	}
	var drop []Volume
	for _, v := range sortedValues(e.volumes) {
		if v.Removed != nil {
			if now.Sub(*v.Removed) > purgeAfter {
				delete(e.volumes, v.ID)
				e.forget(bucketVolumes, v.ID)
			}
			continue
		}
		changed := e.pruneMounts(v)
		if v.State != "removing" && e.scopeEnded(v) {
			setState(&v.Meta, "removing", "")
			changed = true
		}
		if changed {
			e.persist(v)
		}
		if v.State == "removing" && !v.dropping && len(e.volumeUsers(v)) == 0 {
			drop = append(drop, *v)
		}
	}
	return drop
}

// pruneMounts forgets the mounts of removed containers. Callers hold e.mu.
func (e *Emulator) pruneMounts(v *Volume) bool {
	var kept []VolumeMount
	for _, m := range v.Mounts {
		if c, ok := e.containers[m.InstanceID]; ok && c.Removed == nil {
			kept = append(kept, m)
		}
	}
	changed := len(kept) != len(v.Mounts)
	v.Mounts = kept
	return changed
}

// scopeEnded reports whether a template volume's stack or unit is gone. Callers hold e.mu.
func (e *Emulator) scopeEnded(v *Volume) bool {
	if v.TemplateID == "" {
		return false
	}
	if e.stackGone(v.StackID) {
		return true
	}
	if v.UnitUUID == "" {
		return false
	}
	for _, c := range e.containers {
		if c.UnitUUID == v.UnitUUID && c.Removed == nil {
			return false
		}
	}
	return true
}

// stackGone reports whether a stack is removed or unknown. Callers hold e.mu.
func (e *Emulator) stackGone(id string) bool {
	st, ok := e.stacks[id]
	return !ok || st.Removed != nil
}

// stringList reads a launch config list (decoded JSON or built in Go) as strings.
func stringList(v any) []string {
	switch t := v.(type) {
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// orNil turns a missing value into "" for fmt.Sprint.
func orNil(v any) any {
	if v == nil {
		return ""
	}
	return v
}
