package compose

import (
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// builder holds what every service of the project is built from.
type builder struct {
	cp        *types.Project
	data      map[string]*serviceData
	sets      map[string]*settings
	primaryOf map[string]string // sidekick -> its primary
}

// buildServices turns compose-go's services into Cattle services: sidekicks
// folded into their primary, launch configs built, hashes stamped, and the
// primaries put in dependency order.
func buildServices(cp *types.Project, files []*composeFile, rf *rancherFile,
) ([]Service, error) {
	primaryOf, err := foldSidekicks(cp.Services, files)
	if err != nil {
		return nil, err
	}
	b := &builder{cp: cp, data: mergedData(files), sets: map[string]*settings{},
		primaryOf: primaryOf}
	for _, name := range slices.Sorted(maps.Keys(cp.Services)) {
		if b.data[name] == nil {
			b.data[name] = newServiceData()
		}
		if b.sets[name], err = gatherSettings(name, b.data[name], rf); err != nil {
			return nil, err
		}
	}

	byName := map[string]Service{}
	edges := map[string][]string{}
	var names []string
	for _, name := range slices.Sorted(maps.Keys(cp.Services)) {
		if primaryOf[name] != "" {
			continue
		}
		s := cp.Services[name]
		if err := checkExternalTarget(&s, b.sets[name], files); err != nil {
			return nil, err
		}
		byName[name] = b.service(&s)
		edges[name] = b.unitDependencies(&s)
		names = append(names, name)
	}

	var out []Service
	for _, name := range orderServices(names, edges) {
		out = append(out, byName[name])
	}
	return out, nil
}

// service builds one primary service with its sidekicks.
func (b *builder) service(s *types.ServiceConfig) Service {
	d, st := b.data[s.Name], b.sets[s.Name]
	kind := serviceKind(s, st)
	svc := Service{
		Name:          s.Name,
		Kind:          kind,
		Scale:         st.scale,
		LaunchConfig:  launchConfig(s, d, st, secretRefs(d), true),
		Metadata:      map[string]any{},
		RetainIP:      st.retainIP,
		StartOnCreate: st.startOnCreate,
		StartFirst:    st.startFirst,
	}
	if len(s.DependsOn) > 0 {
		svc.DependsOn = slices.Sorted(maps.Keys(s.DependsOn))
	}
	if f := serviceFields(kind, s, d, st); len(f) > 0 {
		svc.Fields = f
	}
	for k, v := range st.metadata {
		svc.Metadata[k] = v
	}
	for _, sk := range sidekicksOf(s) {
		side := b.cp.Services[sk]
		// QUIRK: the CLI gives sidekicks the primary's secret list
		// (cattle-api.md 7.7).
		lc := launchConfig(&side, b.data[sk], b.sets[sk], secretRefs(d), false)
		lc["name"] = sk
		svc.SecondaryLaunchConfigs = append(svc.SecondaryLaunchConfigs, lc)
	}
	for _, l := range d.links {
		// A link to a sidekick names no service; the CLI cannot resolve it
		// and drops it, and the unit's own DNS covers sidekicks anyway.
		if !l.External && b.primaryOf[l.Target] != "" {
			continue
		}
		svc.Links = append(svc.Links, l)
	}
	stampHashes(&svc)
	return svc
}

// unitDependencies lists the primaries a primary and its sidekicks need
// started first.
func (b *builder) unitDependencies(s *types.ServiceConfig) []string {
	deps := dependencies(s, b.data[s.Name])
	for _, sk := range sidekicksOf(s) {
		side := b.cp.Services[sk]
		deps = append(deps, dependencies(&side, b.data[sk])...)
	}
	var out []string
	for _, dep := range deps {
		if p := b.primaryOf[dep]; p != "" {
			dep = p
		}
		if _, known := b.cp.Services[dep]; known && dep != s.Name {
			out = appendNew(out, dep)
		}
	}
	return out
}

// secretRefs copies the service's secret references, so launch configs do
// not share them.
func secretRefs(d *serviceData) []any {
	var refs []any
	for _, s := range d.secrets {
		c := map[string]any{}
		for k, v := range s {
			c[k] = v
		}
		refs = append(refs, c)
	}
	return refs
}

// stampHashes stores the config digests where the CLI keeps them
// (cattle-api.md 7.12): each sidekick's labels, the primary's labels, and
// the service metadata for the service as a whole.
func stampHashes(svc *Service) {
	for _, lc := range svc.SecondaryLaunchConfigs {
		labelsOf(lc)[hashLabel] = Hash(lc)
	}
	labelsOf(svc.LaunchConfig)[hashLabel] = Hash(svc.LaunchConfig)

	var secondaries []any
	for _, lc := range svc.SecondaryLaunchConfigs {
		secondaries = append(secondaries, lc)
	}
	body := map[string]any{
		"name":                   svc.Name,
		"kind":                   svc.Kind,
		"metadata":               svc.Metadata,
		"launchConfig":           svc.LaunchConfig,
		"secondaryLaunchConfigs": secondaries,
		"retainIp":               svc.RetainIP,
	}
	for k, v := range svc.Fields {
		body[k] = v
	}
	svc.Metadata[hashLabel] = Hash(body)
}

func labelsOf(lc map[string]any) map[string]any {
	labels, ok := lc["labels"].(map[string]any)
	if !ok {
		labels = map[string]any{}
		lc["labels"] = labels
	}
	return labels
}

// isStackLink reports a link to another stack ("stack/service").
func isStackLink(target string) bool {
	return strings.Contains(target, "/")
}
