package compose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// takeLinks reads links and external_links as target[:alias]. They are
// kept from compose-go, which would insist that every target is a service
// of the file, while Rancher also links to services of the stack that the
// file does not define and to other stacks (cattle-api.md 7.10).
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

// takeVolumesFrom keeps volumes_from as written: Rancher sends the names as
// dataVolumesFromLaunchConfigs, and they name sidekicks, which compose-go
// would take for services to depend on.
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

// secretRef reads one service secrets entry; nil means the entry has a
// shape compose-go will reject with its own message.
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
