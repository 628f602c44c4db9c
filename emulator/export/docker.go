package export

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// dockerService renders one launch config as a docker-compose service. secretNames
// resolves secret ids; the names of the secrets it references are returned as well, for
// the top-level secrets section.
func dockerService(lc map[string]any, secretNames map[string]string) (map[string]any,
	[]string) {
	out := map[string]any{}
	for key, field := range renamed {
		if v, ok := lc[key]; ok && !empty(v) {
			out[field] = v
		}
	}
	if image := text(lc["imageUuid"]); image != "" {
		out["image"] = strings.TrimPrefix(image, "docker:")
	}
	if labels := labelsOf(lc); len(labels) > 0 {
		out["labels"] = labels
	}
	if n, ok := integer(lc["stopTimeout"]); ok && n > 0 {
		out["stop_grace_period"] = fmt.Sprintf("%ds", n)
	}
	if l := logging(lc["logConfig"]); l != nil {
		out["logging"] = l
	}
	if r := restart(lc["restartPolicy"]); r != "" {
		out["restart"] = r
	}
	if t := tmpfs(lc["tmpfs"]); len(t) > 0 {
		out["tmpfs"] = t
	}
	if u := ulimits(lc["ulimits"]); len(u) > 0 {
		out["ulimits"] = u
	}
	for field, byPath := range blkio(lc["blkioDeviceOptions"]) {
		out[field] = byPath
	}
	if mode := networkMode(lc); mode != "" {
		out["network_mode"] = mode
	}
	if b := build(lc["build"]); b != nil {
		out["build"] = b
	}
	refs, names := secrets(lc["secrets"], secretNames)
	if len(refs) > 0 {
		out["secrets"] = refs
	}
	return out, names
}

// labelsOf copies the labels without the config hash, which the CLI computes afresh.
func labelsOf(lc map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range mapping(lc["labels"]) {
		if k != hashLabel {
			out[k] = text(v)
		}
	}
	return out
}

// logging renders logConfig; a config with neither a driver nor options says nothing.
func logging(v any) map[string]any {
	lc := mapping(v)
	driver := text(lc["driver"])
	opts := mapping(lc["config"])
	if driver == "" && len(opts) == 0 {
		return nil
	}
	out := map[string]any{}
	if driver != "" {
		out["driver"] = driver
	}
	if len(opts) > 0 {
		out["options"] = opts
	}
	return out
}

// restart renders restartPolicy as "always" or "on-failure:3".
func restart(v any) string {
	p := mapping(v)
	name := text(p["name"])
	if n, ok := integer(p["maximumRetryCount"]); ok && n > 0 && name != "" {
		return fmt.Sprintf("%s:%d", name, n)
	}
	return name
}

// tmpfs renders the mount-path to options mapping as "path[:options]" entries.
func tmpfs(v any) []string {
	m := mapping(v)
	var out []string
	for _, path := range slices.Sorted(maps.Keys(m)) {
		entry := path
		if opts := text(m[path]); opts != "" {
			entry += ":" + opts
		}
		out = append(out, entry)
	}
	return out
}

// ulimits renders [{name, soft, hard}] as compose's mapping: a single number when both
// limits agree.
func ulimits(v any) map[string]any {
	list, _ := v.([]any)
	out := map[string]any{}
	for _, e := range list {
		u := mapping(e)
		name := text(u["name"])
		if name == "" {
			continue
		}
		soft, _ := integer(u["soft"])
		hard, _ := integer(u["hard"])
		if soft == hard {
			out[name] = soft
		} else {
			out[name] = map[string]any{"soft": soft, "hard": hard}
		}
	}
	return out
}

// blkio splits blkioDeviceOptions ({path: {readBps, ...}}) into the compose keys, each a
// mapping from device path to value.
func blkio(v any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, raw := range mapping(v) {
		for key, val := range mapping(raw) {
			field := blkioKeys[key]
			if field == "" || empty(val) {
				continue
			}
			if out[field] == nil {
				out[field] = map[string]any{}
			}
			out[field][path] = val
		}
	}
	return out
}

// networkMode gives network_mode; "managed", the default, is left out.
func networkMode(lc map[string]any) string {
	switch mode := text(lc["networkMode"]); mode {
	case "", "managed":
		return ""
	case "container":
		if target := text(lc["networkLaunchConfig"]); target != "" {
			return "container:" + target
		}
		return ""
	default:
		return mode
	}
}

// build renders the build field: a remote (git or URL) or local context and the
// Dockerfile name.
func build(v any) map[string]any {
	b := mapping(v)
	ctx := text(b["remote"])
	if ctx == "" {
		ctx = text(b["context"])
	}
	if ctx == "" {
		return nil
	}
	out := map[string]any{"context": ctx}
	if df := text(b["dockerfile"]); df != "" {
		out["dockerfile"] = df
	}
	return out
}
