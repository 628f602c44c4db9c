package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
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
	for name, view := range mappings(f.view["services"]) {
		raw := raws[name]
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
		// Rancher ignored service networks, and links may name services
		// outside the file (cattle-api.md 7.8, 7.10); compose-go would
		// reject both, so this package handles them.
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

func (f *composeFile) takeLinks(base string, view, raw map[string]any, d *serviceData) error {
	for _, key := range []string{"links", "external_links"} {
		list, err := stringList(view[key])
		if err != nil {
			return f.errAt(base+"."+key, err.Error(), nil)
		}
		for _, l := range list {
			target, alias, _ := strings.Cut(l, ":")
			d.links = append(d.links, Link{Target: target, Alias: alias,
				External: key == "external_links"})
		}
		delete(raw, key)
	}
	return nil
}

func (f *composeFile) takeVolumesFrom(base string, view, raw map[string]any,
	d *serviceData) error {
	list, err := stringList(view["volumes_from"])
	if err != nil {
		return f.errAt(base+".volumes_from", err.Error(), nil)
	}
	d.volumesFrom = list
	delete(raw, "volumes_from")
	return nil
}

// takePorts keeps the raw ports and expose strings, which the CLI sends
// as written (cattle-api.md 7.7), after checking them with compose-go's
// own parser so a bad entry is reported with its line.
func (f *composeFile) takePorts(base string, view, _ map[string]any, d *serviceData) error {
	items, _ := view["ports"].([]any)
	for i, item := range items {
		s, ok := scalarString(item)
		if !ok {
			continue // long syntax: compose-go validates it
		}
		if _, err := types.ParsePortConfig(s); err != nil {
			key := fmt.Sprintf("%s.ports[%d]", base, i)
			return f.errAt(key, fmt.Sprintf("invalid port %q: %v", s, err)+
				f.emptyVariableHint(key), err)
		}
		d.ports = append(d.ports, s)
	}
	expose, err := stringList(view["expose"])
	if err != nil {
		return f.errAt(base+".expose", err.Error(), nil)
	}
	d.expose = expose
	return nil
}

// emptyVariableHint explains a bad value that came out of interpolation.
func (f *composeFile) emptyVariableHint(key string) string {
	raw, ok := scalarString(lookupPath(f.raw, key))
	if !ok || !strings.Contains(raw, "$") {
		return ""
	}
	return fmt.Sprintf(" (written %q: a variable in it is unset or empty; set it or "+
		"give it a default with ${VAR:-default})", raw)
}

// takeSecrets records the service's secret references in the CLI's form
// (cattle-api.md 7.7): the short form targets the source name, and mode is
// octal digits without a leading zero.
func (f *composeFile) takeSecrets(base string, view, _ map[string]any, d *serviceData) error {
	items, _ := view["secrets"].([]any)
	for i, item := range items {
		key := fmt.Sprintf("%s.secrets[%d]", base, i)
		ref, err := secretRef(item)
		if err != nil {
			return f.errAt(key, err.Error(), nil)
		}
		if ref == nil {
			continue
		}
		d.secrets = append(d.secrets, ref)
		f.secrets = append(f.secrets, ref["source"].(string))
	}
	return nil
}

func secretRef(item any) (map[string]any, error) {
	if s, ok := scalarString(item); ok {
		return map[string]any{"source": s, "target": s}, nil
	}
	m, ok := item.(map[string]any)
	if !ok {
		return nil, nil // compose-go reports the wrong shape
	}
	source, _ := scalarString(m["source"])
	if source == "" {
		return nil, fmt.Errorf("source is missing: name the secret to mount")
	}
	ref := map[string]any{"source": source, "target": source}
	if t, ok := scalarString(m["target"]); ok && t != "" {
		ref["target"] = t
	}
	for _, k := range []string{"uid", "gid"} {
		if v, ok := scalarString(m[k]); ok {
			ref[k] = v
		}
	}
	if v, ok := m["mode"]; ok && v != nil {
		mode, err := octalMode(v)
		if err != nil {
			return nil, err
		}
		ref["mode"] = mode
	}
	return ref, nil
}

// octalMode renders a file mode as octal digits: '0444' and 0444 (a YAML
// octal number) both give "444".
func octalMode(v any) (string, error) {
	switch t := v.(type) {
	case int:
		return fmt.Sprintf("%o", t), nil
	case string:
		n, err := strconv.ParseUint(strings.TrimSpace(t), 8, 32)
		if err != nil {
			return "", fmt.Errorf("mode must be octal digits such as '0444', not %q", t)
		}
		return strconv.FormatUint(n, 8), nil
	}
	return "", fmt.Errorf("mode must be octal digits such as '0444', not %s", kindOf(v))
}

// checkEnvFiles resolves env_file entries against the compose file's
// directory and fails, naming the entry, when a required one is missing.
func (f *composeFile) checkEnvFiles(base string, view, raw map[string]any,
	_ *serviceData) error {
	v, ok := view["env_file"]
	if !ok {
		return nil
	}
	entries, isList := v.([]any)
	if !isList {
		entries = []any{v}
	}
	rawEntries := make([]any, len(entries))
	for i, e := range entries {
		key := base + ".env_file"
		if isList {
			key = fmt.Sprintf("%s[%d]", key, i)
		}
		p, required := "", true
		switch t := e.(type) {
		case string:
			p = t
		case map[string]any:
			p, _ = t["path"].(string)
			if r, err := asBool(t["required"]); err == nil && t["required"] != nil {
				required = r
			}
		default:
			return f.errAt(key, "must be a file path, not "+kindOf(e), nil)
		}
		abs := absFrom(f.dir, p)
		if _, err := os.Stat(abs); err != nil {
			if required {
				return f.errAt(key, fmt.Sprintf("env file %s does not exist; create it "+
					"or remove the entry", abs), err)
			}
		} else {
			f.envFiles = append(f.envFiles, abs)
		}
		if m, isMap := e.(map[string]any); isMap {
			c := deepCopy(m).(map[string]any)
			c["path"] = escapeDollar(abs)
			rawEntries[i] = c
		} else {
			rawEntries[i] = escapeDollar(abs)
		}
	}
	raw["env_file"] = rawEntries
	return nil
}

// checkVolumes parses every volume entry with compose-go's parser, so an
// entry broken by an empty variable is reported with its line; relative
// host paths are made absolute against this file's directory, and named
// volumes are collected.
func (f *composeFile) checkVolumes(base string, view, raw map[string]any,
	_ *serviceData) error {
	items, _ := view["volumes"].([]any)
	rawItems, _ := raw["volumes"].([]any)
	for i, item := range items {
		key := fmt.Sprintf("%s.volumes[%d]", base, i)
		switch t := item.(type) {
		case string:
			vol, err := format.ParseVolume(t)
			if err != nil {
				return f.errAt(key, fmt.Sprintf("invalid volume %q: %v", t, err)+
					f.emptyVariableHint(key), err)
			}
			if vol.Type == types.VolumeTypeVolume && vol.Source != "" {
				f.named = append(f.named, vol.Source)
			}
			if vol.Type == types.VolumeTypeBind && strings.HasPrefix(vol.Source, ".") &&
				strings.HasPrefix(t, vol.Source+":") && i < len(rawItems) {
				rawItems[i] = escapeDollar(absFrom(f.dir, vol.Source) + t[len(vol.Source):])
			}
		case map[string]any:
			typ, _ := t["type"].(string)
			src, _ := t["source"].(string)
			if typ == types.VolumeTypeVolume && src != "" {
				f.named = append(f.named, src)
			}
			rawMap, _ := rawItems[i].(map[string]any)
			if typ == types.VolumeTypeBind && strings.HasPrefix(src, ".") && rawMap != nil {
				rawMap["source"] = escapeDollar(absFrom(f.dir, src))
			}
		}
	}
	return nil
}

// takeVolumes pulls the Rancher volume keys out of the top-level volumes:
// per_container, and the driver of an external volume, which Rancher
// used for rancher-nfs and compose-go rejects as a conflict.
func (f *composeFile) takeVolumes() error {
	raws := mappings(f.raw["volumes"])
	for name, view := range mappings(f.view["volumes"]) {
		raw := raws[name]
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

// lookupPath finds the value at a key path such as "services.web.ports[0]".
// Names may themselves contain dots (volume "db.MySQL"), so at each mapping
// the longest run of segments that is a key wins.
func lookupPath(data map[string]any, key string) any {
	return lookupSegments(data, splitPath(key))
}

func lookupSegments(cur any, segs []string) any {
	if len(segs) == 0 {
		return cur
	}
	switch t := cur.(type) {
	case map[string]any:
		for n := len(segs); n > 0; n-- {
			if v, ok := t[strings.Join(segs[:n], ".")]; ok {
				return lookupSegments(v, segs[n:])
			}
		}
	case []any:
		i, err := strconv.Atoi(strings.Trim(segs[0], "[]"))
		if err == nil && i >= 0 && i < len(t) && strings.HasPrefix(segs[0], "[") {
			return lookupSegments(t[i], segs[1:])
		}
	}
	return nil
}

// splitPath cuts "a.b[0].c" into "a", "b", "[0]", "c".
func splitPath(key string) []string {
	var segs []string
	for _, seg := range strings.Split(key, ".") {
		for {
			i := strings.Index(seg, "[")
			if i < 0 {
				break
			}
			if i > 0 {
				segs = append(segs, seg[:i])
			}
			j := strings.Index(seg, "]")
			if j < i {
				break
			}
			segs = append(segs, seg[i:j+1])
			seg = seg[j+1:]
		}
		if seg != "" {
			segs = append(segs, seg)
		}
	}
	return segs
}

func escapeDollar(s string) string {
	return strings.ReplaceAll(s, "$", "$$")
}

func describeOSError(err error) string {
	if os.IsNotExist(err) {
		return "it does not exist"
	}
	return err.Error()
}
