package export

import "strings"

// secrets renders a launch config's secret references as compose service secrets and
// returns the names of the secrets used. A reference reads either as the loader writes it
// ({source, target, uid, gid, mode}) or as the API stores it ({secretId, name, uid, gid,
// mode}, name being the mount name); ids are resolved through names, and an id it does
// not know is taken to name a secret called like its mount.
func secrets(v any, names map[string]string) ([]any, []string) {
	list, _ := v.([]any)
	var refs []any
	var used []string
	for _, e := range list {
		ref := mapping(e)
		target := text(ref["target"])
		if target == "" {
			target = text(ref["name"])
		}
		source := text(ref["source"])
		if source == "" {
			source = names[text(ref["secretId"])]
		}
		if source == "" {
			source = target
		}
		if source == "" {
			continue
		}
		if target == "" {
			target = source
		}
		used = append(used, source)
		long := map[string]any{"source": source}
		if target != source {
			long["target"] = target
		}
		for _, k := range []string{"uid", "gid"} {
			if s := text(ref[k]); s != "" {
				long[k] = s
			}
		}
		if mode := text(ref["mode"]); mode != "" {
			// Stored as octal digits without the leading zero (cattle-api.md 7.7).
			long["mode"] = "0" + strings.TrimLeft(mode, "0")
		}
		if len(long) == 1 {
			refs = append(refs, source)
		} else {
			refs = append(refs, long)
		}
	}
	return refs, used
}
