package compose

import (
	"maps"
	"os"
	"slices"
	"strings"
)

// rancherFile is a parsed rancher-compose.yml: per service, the keys this
// package applies, interpolated. Like the CLI, it accepts the version 2
// layout (services under "services") and the older one (services at the
// top level), and ignores keys it does not know.
type rancherFile struct {
	*yamlDoc
	prefix   string // "services." in the version 2 layout
	services map[string]map[string]any
}

func readRancherFile(shown, path string, env map[string]string) (*rancherFile, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{File: shown, Msg: "cannot read the rancher-compose file: " +
			describeOSError(err), Err: err}
	}
	doc, err := parseYAML(shown, path, content)
	if err != nil {
		return nil, err
	}
	doc.index("")
	view, err := interpolate(doc, doc.data, env)
	if err != nil {
		return nil, err
	}

	rf := &rancherFile{yamlDoc: doc, services: map[string]map[string]any{}}
	section := view
	if _, versioned := view["version"]; versioned || isMapping(view["services"]) {
		rf.prefix = "services."
		section, _ = view["services"].(map[string]any)
	}
	for _, name := range doc.inFileOrder(strings.TrimSuffix(rf.prefix, "."),
		slices.Sorted(maps.Keys(section))) {
		if rf.prefix == "" && (name == "version" || name[0] == '.') {
			continue // .catalog and friends belong to catalog templates
		}
		entry := section[name]
		if entry == nil {
			continue
		}
		m, ok := entry.(map[string]any)
		if !ok {
			return nil, doc.errAt(rf.prefix+name, "must be a mapping of rancher-compose keys "+
				"such as scale and health_check, not "+kindOf(entry), nil)
		}
		keep := map[string]any{}
		for k, v := range m {
			if rancherFileKeys[k] {
				keep[k] = v
			}
		}
		rf.services[name] = keep
	}
	return rf, nil
}

func isMapping(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}
