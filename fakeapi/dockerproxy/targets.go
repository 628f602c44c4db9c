package dockerproxy

import (
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// resolve finds the container ref names, as Docker would (full id, name, unique id
// prefix) and also by the Cattle name and id users know from rancher ps. Where a ref
// fits several containers at one level, the caller's own wins.
func resolve(ts []emulator.DockerTarget, ref string) (emulator.DockerTarget, bool) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return emulator.DockerTarget{}, false
	}
	levels := []func(emulator.DockerTarget) bool{
		func(t emulator.DockerTarget) bool { return t.DockerID == ref },
		func(t emulator.DockerTarget) bool { return t.Name == ref },
		func(t emulator.DockerTarget) bool { return t.DockerName == ref },
		func(t emulator.DockerTarget) bool { return strings.EqualFold(t.ID, ref) },
	}
	for _, match := range levels {
		if t, ok := pick(ts, match); ok {
			return t, true
		}
	}
	var found []emulator.DockerTarget
	for _, t := range ts {
		if strings.HasPrefix(t.DockerID, ref) {
			found = append(found, t)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return emulator.DockerTarget{}, false
}

// pick returns a match, the caller's own first.
func pick(ts []emulator.DockerTarget, match func(emulator.DockerTarget) bool) (
	emulator.DockerTarget, bool) {
	var other *emulator.DockerTarget
	for i, t := range ts {
		if !match(t) {
			continue
		}
		if t.Mine {
			return t, true
		}
		if other == nil {
			other = &ts[i]
		}
	}
	if other != nil {
		return *other, true
	}
	return emulator.DockerTarget{}, false
}

// byDockerID finds the container with a full Docker id.
func byDockerID(ts []emulator.DockerTarget, id string) (emulator.DockerTarget, bool) {
	for _, t := range ts {
		if t.DockerID == id {
			return t, true
		}
	}
	return emulator.DockerTarget{}, false
}
