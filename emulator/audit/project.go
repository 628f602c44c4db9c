package audit

import (
	"maps"
	"slices"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// CheckProject audits a whole compose project offline: the stack (name and
// the tags of TagsLabel), every service with its sidekicks, and the names
// of the project's volumes and secrets, each reported once.
func CheckProject(cfg Config, p *compose.Project) []Finding {
	if p == nil {
		return nil
	}
	c := &checker{cfg: cfg}
	c.checkStackName(p.Name)
	c.checkStackTags(p.Name, projectTags(p))

	var vols, secrets []use
	nfs := map[string]bool{}
	for _, s := range p.Services {
		u := newUnit(p.Name, s.Name, s.Kind, s.LaunchConfig, s.SecondaryLaunchConfigs)
		c.checkUnit(u)
		vols = append(vols, u.volumeUses()...)
		secrets = append(secrets, u.secretUses()...)
		for name := range u.nfsVolumes() {
			nfs[name] = true
		}
	}
	stack := target{stack: p.Name}
	for _, name := range slices.Sorted(maps.Keys(p.Volumes)) {
		if p.Volumes[name].Driver == "rancher-nfs" {
			nfs[name] = true
		}
		if len(usersOf(name, vols)) == 0 {
			vols = append(vols, use{name: name, t: stack})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Secrets)) {
		if len(usersOf(name, secrets)) == 0 {
			secrets = append(secrets, use{name: name, t: stack})
		}
	}
	c.checkNames(p.Name, vols, secrets, nfs)
	return c.out
}

// projectTags joins the TagsLabel values of every launch config.
func projectTags(p *compose.Project) string {
	var parts []string
	for _, s := range p.Services {
		lcs := append([]map[string]any{s.LaunchConfig}, s.SecondaryLaunchConfigs...)
		for _, lc := range lcs {
			if v := strings.TrimSpace(labelsOf(lc)[TagsLabel]); v != "" {
				parts = append(parts, v)
			}
		}
	}
	return strings.Join(parts, ",")
}
