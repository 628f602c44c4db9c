package compose

import (
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// dependencies lists the services a service needs started first: link
// targets in the stack, depends_on, volumes_from and a container network.
func dependencies(s *types.ServiceConfig, d *serviceData) []string {
	var deps []string
	for _, l := range d.links {
		if !isStackLink(l.Target) {
			deps = append(deps, l.Target)
		}
	}
	for name := range s.DependsOn {
		deps = append(deps, name)
	}
	for _, v := range d.volumesFrom {
		v = strings.TrimPrefix(strings.TrimPrefix(v, types.ServicePrefix), types.ContainerPrefix)
		name, _, _ := strings.Cut(v, ":")
		deps = append(deps, name)
	}
	for _, prefix := range []string{types.ContainerPrefix, types.ServicePrefix} {
		if rest, ok := strings.CutPrefix(s.NetworkMode, prefix); ok {
			deps = append(deps, rest)
		}
	}
	return deps
}

// orderServices sorts primaries so dependencies come first, ties by name.
// edges maps each primary to the primaries it depends on. Rancher allows
// cycles (two services linking each other), so a cycle is broken at the
// name that sorts first instead of failing.
func orderServices(names []string, edges map[string][]string) []string {
	pending := map[string]map[string]bool{}
	for _, n := range names {
		pending[n] = map[string]bool{}
		for _, dep := range edges[n] {
			if dep != n {
				pending[n][dep] = true
			}
		}
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)

	var out []string
	for len(out) < len(names) {
		next := ""
		for _, n := range sorted {
			if pending[n] != nil && len(pending[n]) == 0 {
				next = n
				break
			}
		}
		if next == "" {
			for _, n := range sorted {
				if pending[n] != nil {
					next = n
					break
				}
			}
		}
		out = append(out, next)
		delete(pending, next)
		for _, deps := range pending {
			delete(deps, next)
		}
	}
	return out
}
