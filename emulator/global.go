package emulator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/mounts"
)

// GPFS. A bind mount whose source is written under /global/ stands for the NERSC Global
// Filesystem: it is bound from the local tree (Config.GlobalRoot), after the checks Spin's
// Docker daemon imposed, and the container runs without the capabilities Spin withholds
// from such containers, so the kernel holds root to the files' modes as root squashing
// did. The stored launch config keeps the /global paths.

// attachGlobal returns the spec to create a container with: its /global binds mapped onto
// the local tree and the capabilities dropped. A refused mount fails the container.
func (e *Emulator) attachGlobal(spec engine.Spec) (engine.Spec, error) {
	entries := stringList(spec.LaunchConfig["dataVolumes"])
	tree := mounts.Tree{Root: e.cfg.GlobalRoot}
	out := make([]any, 0, len(entries))
	found := false
	for _, raw := range entries {
		src, rest, ok := strings.Cut(raw, ":")
		if !ok || !mounts.IsGlobal(src) {
			out = append(out, raw)
			continue
		}
		found = true
		local, err := tree.Source(src)
		if err != nil {
			e.explainGlobal(spec.Name, err)
			return spec, err
		}
		out = append(out, local+":"+rest)
	}
	if !found {
		return spec, nil
	}
	if priv, _ := spec.LaunchConfig["privileged"].(bool); priv {
		return spec, fmt.Errorf("%s mounts /global and asks to run privileged; a container "+
			"that mounts the Global Filesystem cannot be privileged on Spin", spec.Name)
	}
	lcfg := maps.Clone(spec.LaunchConfig)
	lcfg["dataVolumes"] = out
	spec.LaunchConfig = lcfg
	spec.CapDrop = slices.Concat(spec.CapDrop, mounts.DroppedCaps())
	return spec, nil
}

// explainGlobal logs what a user needs beyond the daemon's words the container shows:
// which directory lacks the other-execute bit.
func (e *Emulator) explainGlobal(container string, err error) {
	var se *mounts.SearchError
	if errors.As(err, &se) {
		e.log.Warn("GPFS mount refused: a directory on the way lacks o+x", "container",
			container, "source", se.Path, "directory", se.Dir,
			"fix", "spinlocal gpfs chmod o+x "+se.Dir)
	}
}

// recheckGlobal runs the /global checks again before Docker starts an existing container:
// the tree may have changed since it was created (a directory swapped for a symlink that
// leaves the tree), and Docker would follow it.
func (e *Emulator) recheckGlobal(id string) error {
	e.mu.Lock()
	c, ok := e.containers[id]
	if !ok {
		e.mu.Unlock()
		return nil
	}
	spec := engine.Spec{Name: c.Name, LaunchConfig: c.Spec}
	e.mu.Unlock()
	_, err := e.attachGlobal(spec)
	return err
}
