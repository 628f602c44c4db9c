package compose

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// normalizeFormat makes a compose file look like a compose-spec document,
// as the Rancher 1.6 CLI read it (cattle-api.md 7.1): format v1 (services at
// the top level, no version) is wrapped under "services"; version 2 may be
// a bare number; version 3 is refused. The version key is dropped, so
// compose-go does not warn about it.
func normalizeFormat(d *yamlDoc) error {
	v, ok := d.data["version"]
	if !ok {
		if _, hasServices := d.data["services"]; hasServices {
			// No version but a services section: a compose-spec file.
			d.index("")
			return nil
		}
		d.data = map[string]any{"services": d.data}
		d.index("services")
		return nil
	}
	d.index("")

	version, err := versionString(v)
	if err != nil {
		return d.errAt("version", err.Error(), nil)
	}
	major, _, _ := strings.Cut(version, ".")
	switch major {
	case "2":
	case "3":
		return d.errAt("version", fmt.Sprintf("compose format version %q is not supported: "+
			"Rancher 1.6 (Spin) reads format v1 and version '2' files; "+
			"write version: '2' and drop version 3 keys such as deploy", version), nil)
	default:
		return d.errAt("version", fmt.Sprintf("unknown compose format version %q: "+
			"Spin reads version '2' files, or v1 files without a version key", version), nil)
	}
	delete(d.data, "version")
	return nil
}

func versionString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t), nil
	case int:
		return strconv.Itoa(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("must be a string such as '2', not %s", kindOf(v))
}

// stringKeysOfService are service keys that are strings in the compose
// spec but that the Rancher CLI, which decoded YAML into typed structs,
// also took as numbers (user: 1000, cpuset: 0).
var stringKeysOfService = []string{
	"user", "hostname", "domainname", "working_dir", "cpuset", "image", "container_name",
	"stop_signal", "cgroup_parent", "mac_address", "isolation", "pid", "ipc", "uts",
	"network_mode", "restart",
}

// blkioKeys are the version 1 and 2 block IO keys; the compose spec moved
// them under blkio_config.
var blkioKeys = map[string]string{
	"blkio_weight":        "weight",
	"blkio_weight_device": "weight_device",
	"device_read_bps":     "device_read_bps",
	"device_read_iops":    "device_read_iops",
	"device_write_bps":    "device_write_bps",
	"device_write_iops":   "device_write_iops",
}

// modernizeService rewrites version 1 and 2 spellings that mean the same
// thing in the compose spec, so compose-go can validate them.
func modernizeService(svc map[string]any) {
	for _, k := range stringKeysOfService {
		switch t := svc[k].(type) {
		case int:
			svc[k] = strconv.Itoa(t)
		case float64:
			svc[k] = strconv.FormatFloat(t, 'f', -1, 64)
		}
	}
	// A YAML 1.1 "no" reaches us as false when written as a boolean.
	if b, ok := svc["restart"].(bool); ok && !b {
		svc["restart"] = "no"
	}
	for old, key := range blkioKeys {
		v, ok := svc[old]
		if !ok {
			continue
		}
		cfg, _ := svc["blkio_config"].(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		if _, set := cfg[key]; !set {
			cfg[key] = blkioValue(key, v)
		}
		svc["blkio_config"] = cfg
		delete(svc, old)
	}
	// Version 1 put the Dockerfile name beside a string build context.
	if df, ok := svc["dockerfile"]; ok {
		if ctx, isString := svc["build"].(string); isString {
			svc["build"] = map[string]any{"context": ctx, "dockerfile": df}
			delete(svc, "dockerfile")
		}
	}
}

// blkioValue converts the CLI's "path:value" lists and {path: value} maps
// into the compose spec's [{path, rate}] / [{path, weight}] lists. Values
// already in that shape, and anything unexpected, are passed through for
// compose-go to judge.
func blkioValue(key string, v any) any {
	field := "rate"
	if key == "weight" {
		return v
	}
	if key == "weight_device" {
		field = "weight"
	}
	entry := func(path string, val any) map[string]any {
		if s, ok := val.(string); ok && field == "weight" {
			if n, err := strconv.Atoi(s); err == nil {
				val = n
			}
		}
		return map[string]any{"path": path, field: val}
	}
	var list []any
	switch t := v.(type) {
	case map[string]any:
		for _, path := range slices.Sorted(maps.Keys(t)) {
			list = append(list, entry(path, t[path]))
		}
	case []any:
		for _, item := range t {
			s, ok := item.(string)
			i := strings.LastIndex(s, ":")
			if !ok || i < 0 {
				list = append(list, item)
				continue
			}
			list = append(list, entry(s[:i], s[i+1:]))
		}
	default:
		return v
	}
	return list
}

// kindOf names the YAML kind of a value for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case string:
		return "a string"
	case int, int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", v)
}
