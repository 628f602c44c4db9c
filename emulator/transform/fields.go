package transform

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// out is a launch config under construction; its setters drop empty values.
type out map[string]any

func (o out) str(k, v string) {
	if v != "" {
		o[k] = v
	}
}

func (o out) flag(k string, v bool) {
	if v {
		o[k] = true
	}
}

func (o out) num(k string, v int64) {
	if v != 0 {
		o[k] = v
	}
}

func (o out) list(k string, v []string) {
	if len(v) > 0 {
		o[k] = v
	}
}

func (o out) strMap(k string, v map[string]string) {
	if len(v) == 0 {
		return
	}
	m := make(map[string]any, len(v))
	for key, val := range v {
		m[key] = val
	}
	o[k] = m
}

// environment turns K=V entries into a map; a bare K maps to "".
func environment(env []string) map[string]string {
	m := map[string]string{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		if k != "" {
			m[k] = v
		}
	}
	return m
}

// labels stringifies label values: numbers keep their JSON text, booleans
// become "true"/"false", null becomes "".
func labels(in map[string]any) map[string]string {
	m := make(map[string]string, len(in))
	for k, v := range in {
		switch t := v.(type) {
		case nil:
			m[k] = ""
		case string:
			m[k] = t
		case json.Number:
			m[k] = t.String()
		case bool:
			m[k] = fmt.Sprint(t)
		default:
			b, _ := json.Marshal(t)
			m[k] = string(b)
		}
	}
	return m
}

// dataVolumes lists the anonymous volumes (Config.Volumes, sorted) and then
// the binds in their given order.
func dataVolumes(anon map[string]json.RawMessage, binds []string) []string {
	return append(slices.Sorted(maps.Keys(anon)), binds...)
}

// ports renders each port binding as hostPort:port/proto, or port/proto
// when it has no host port; exposed ports without a binding are skipped.
// NOTE: the binding's host IP is not rendered, as cattle-api.md 7.6
// specifies; the CLI replaces the primary's ports with the compose strings
// anyway, so only sidekick ports lose it.
func ports(exposed map[string]json.RawMessage, bindings map[string][]PortBinding) []string {
	keys := map[string]bool{}
	for k := range exposed {
		keys[k] = true
	}
	for k := range bindings {
		keys[k] = true
	}
	order := slices.Sorted(maps.Keys(keys))
	sort.SliceStable(order, func(i, j int) bool {
		return portNumber(order[i]) < portNumber(order[j])
	})
	var list []string
	for _, port := range order {
		spec := port
		if !strings.Contains(spec, "/") {
			spec += "/tcp"
		}
		for _, b := range bindings[port] {
			if b.HostPort == "" {
				list = append(list, spec)
			} else {
				list = append(list, b.HostPort+":"+spec)
			}
		}
	}
	return list
}

// portNumber reads the leading number of "80/tcp" so ports sort numerically.
func portNumber(spec string) int {
	n := 0
	for _, c := range spec {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// devices renders host:container:permissions, permissions defaulting to rwm.
func devices(in []DeviceMapping) []string {
	var list []string
	for _, d := range in {
		if d.PathOnHost == "" {
			continue
		}
		target := d.PathInContainer
		if target == "" {
			target = d.PathOnHost
		}
		perms := d.CgroupPermissions
		if perms == "" {
			perms = "rwm"
		}
		list = append(list, d.PathOnHost+":"+target+":"+perms)
	}
	return list
}

func ulimits(in []Ulimit) []any {
	var list []any
	for _, u := range in {
		if u.Name == "" {
			continue
		}
		list = append(list, map[string]any{"name": u.Name, "soft": u.Soft, "hard": u.Hard})
	}
	return list
}

// blkioOptions groups the per-device block IO settings by device path.
func blkioOptions(r *Resources) map[string]any {
	opts := map[string]map[string]any{}
	set := func(path, key string, v int64) {
		if path == "" || v == 0 {
			return
		}
		if opts[path] == nil {
			opts[path] = map[string]any{}
		}
		opts[path][key] = v
	}
	for _, d := range r.BlkioWeightDevice {
		set(d.Path, "weight", d.Weight)
	}
	for _, d := range r.BlkioDeviceReadBps {
		set(d.Path, "readBps", d.Rate)
	}
	for _, d := range r.BlkioDeviceWriteBps {
		set(d.Path, "writeBps", d.Rate)
	}
	for _, d := range r.BlkioDeviceReadIOps {
		set(d.Path, "readIops", d.Rate)
	}
	for _, d := range r.BlkioDeviceWriteIOps {
		set(d.Path, "writeIops", d.Rate)
	}
	m := make(map[string]any, len(opts))
	for k, v := range opts {
		m[k] = v
	}
	return m
}
