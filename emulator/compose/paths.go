package compose

import (
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
)

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
		if p == "" {
			return f.errAt(key, "the env file path is empty; name a file or remove "+
				"the entry", nil)
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
			var rawMap map[string]any
			if i < len(rawItems) {
				rawMap, _ = rawItems[i].(map[string]any)
			}
			if typ == types.VolumeTypeBind && strings.HasPrefix(src, ".") && rawMap != nil {
				rawMap["source"] = escapeDollar(absFrom(f.dir, src))
			}
		}
	}
	return nil
}
