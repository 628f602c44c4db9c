package compose

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// composeFile is one compose file made ready for compose-go.
type composeFile struct {
	*yamlDoc
	dir      string
	raw      map[string]any // handed to compose-go: Rancher keys out, paths absolute
	view     map[string]any // interpolated copy, read by this package
	services map[string]*serviceData
	volumes  map[string]*volumeData
	named    []string // named volumes the services mount
	secrets  []string // secrets the services reference
	envFiles []string // env_file entries that exist
}

// readComposeFile reads, parses and prepares one compose file.
func readComposeFile(shown, path string, env map[string]string) (*composeFile, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{File: shown, Msg: "cannot read the compose file: " +
			describeOSError(err), Err: err}
	}
	doc, err := parseYAML(shown, path, content)
	if err != nil {
		return nil, err
	}
	if err := normalizeFormat(doc); err != nil {
		return nil, err
	}
	f := &composeFile{
		yamlDoc:  doc,
		dir:      filepath.Dir(path),
		raw:      doc.data,
		services: map[string]*serviceData{},
		volumes:  map[string]*volumeData{},
	}
	for _, svc := range mappings(f.raw["services"]) {
		modernizeService(svc)
	}
	if f.view, err = interpolate(doc, f.raw, env); err != nil {
		return nil, err
	}
	if err := f.takeServices(); err != nil {
		return nil, err
	}
	if err := f.takeVolumes(); err != nil {
		return nil, err
	}
	return f, nil
}

// takeServices moves what compose-go must not see out of every service and
// checks the entries whose errors compose-go could not place in the file.
func (f *composeFile) takeServices() error {
	raws := mappings(f.raw["services"])
	views := mappings(f.view["services"])
	for _, name := range f.inFileOrder("services", slices.Sorted(maps.Keys(views))) {
		view, raw := views[name], raws[name]
		if raw == nil {
			continue
		}
		d := newServiceData()
		base := "services." + name
		for key := range rancherServiceKeys {
			if v, ok := view[key]; ok {
				d.rancher[key] = v
				d.origin[key] = f.yamlDoc
				delete(raw, key)
			}
		}
		// Rancher ignored service networks (cattle-api.md 7.8); compose-go
		// would check them against the top-level ones.
		delete(raw, "networks")
		steps := []func(string, map[string]any, map[string]any, *serviceData) error{
			f.takeLinks, f.takeVolumesFrom, f.takePorts, f.takeSecrets,
			f.checkEnvFiles, f.checkVolumes,
		}
		for _, step := range steps {
			if err := step(base, view, raw, d); err != nil {
				return err
			}
		}
		f.services[name] = d
	}
	return nil
}

// takeVolumes pulls the Rancher volume keys out of the top-level volumes:
// per_container, and the driver of an external volume, which Rancher
// used for rancher-nfs and compose-go rejects as a conflict.
func (f *composeFile) takeVolumes() error {
	raws := mappings(f.raw["volumes"])
	views := mappings(f.view["volumes"])
	for _, name := range f.inFileOrder("volumes", slices.Sorted(maps.Keys(views))) {
		view, raw := views[name], raws[name]
		vd := &volumeData{}
		key := "volumes." + name
		if v, ok := view["per_container"]; ok {
			b, err := asBool(v)
			if err != nil {
				return f.errAt(key+".per_container", err.Error(), nil)
			}
			vd.perContainer = &b
			delete(raw, "per_container")
		}
		if isExternal(view["external"]) {
			if d, ok := scalarString(view["driver"]); ok {
				vd.driver = d
				delete(raw, "driver")
			}
			if opts, ok := view["driver_opts"].(map[string]any); ok {
				vd.driverOpts = map[string]string{}
				for k, v := range opts {
					s, _ := scalarString(v)
					vd.driverOpts[k] = s
				}
				delete(raw, "driver_opts")
			}
		}
		f.volumes[name] = vd
	}
	return nil
}

// isExternal reads a volume's external key: true, "true", or {name: ...}.
func isExternal(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		b, _ := asBool(t)
		return b
	case map[string]any:
		return true
	}
	return false
}

// mappings returns the entries of a mapping whose values are mappings.
func mappings(v any) map[string]map[string]any {
	out := map[string]map[string]any{}
	m, _ := v.(map[string]any)
	for k, val := range m {
		if mm, ok := val.(map[string]any); ok {
			out[k] = mm
		}
	}
	return out
}

// escapeDollar protects an already interpolated value from compose-go's
// own interpolation pass.
func escapeDollar(s string) string {
	return strings.ReplaceAll(s, "$", "$$")
}

// describeOSError words a file error for a LoadError message.
func describeOSError(err error) string {
	if os.IsNotExist(err) {
		return "it does not exist"
	}
	return err.Error()
}
