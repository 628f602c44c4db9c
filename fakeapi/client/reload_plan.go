package client

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// upgradePlan is what an in-service upgrade of one service sends.
type upgradePlan struct {
	primary   map[string]any   // the new primary launch config, nil when unchanged
	sidekicks []map[string]any // sidekicks that changed or are new
	dropped   []string         // sidekicks no longer in the files
	detail    string           // what changed, for the output line
}

// needed reports whether the CLI would upgrade: a removed sidekick alone does not count
// (cattle-api.md 7.11).
func (pl upgradePlan) needed() bool { return pl.primary != nil || len(pl.sidekicks) > 0 }

// planUpgrade compares the launch config hashes of a deployed service with the files'.
// External and DNS services have no containers to upgrade.
func planUpgrade(r Resource, svc compose.Service) upgradePlan {
	var pl upgradePlan
	if svc.Kind == "externalService" || svc.Kind == "dnsService" {
		return pl
	}
	old, _ := r["launchConfig"].(map[string]any)
	if lcHash(old) != lcHash(svc.LaunchConfig) {
		pl.primary = svc.LaunchConfig
	}
	deployed := map[string]map[string]any{}
	list, _ := r["secondaryLaunchConfigs"].([]any)
	for _, raw := range list {
		if m, ok := raw.(map[string]any); ok {
			deployed[fmt.Sprint(m["name"])] = m
		}
	}
	var parts []string
	if pl.primary != nil {
		parts = changedKeys(old, svc.LaunchConfig)
	}
	for _, sk := range svc.SecondaryLaunchConfigs {
		name := fmt.Sprint(sk["name"])
		if prev, ok := deployed[name]; !ok || lcHash(prev) != lcHash(sk) {
			pl.sidekicks = append(pl.sidekicks, sk)
			parts = append(parts, "sidekick "+name)
		}
		delete(deployed, name)
	}
	pl.dropped = slices.Sorted(maps.Keys(deployed))
	pl.detail = strings.Join(parts, ", ")
	return pl
}

// lcHash is the hash label of a launch config.
func lcHash(lc map[string]any) string {
	labels, _ := lc["labels"].(map[string]any)
	s, _ := labels["io.rancher.service.hash"].(string)
	return s
}

// lcNoise are launch config keys that differ between the files and the daemon without a
// change: the daemon's version stamp, and secrets (names in the files, ids deployed).
var lcNoise = map[string]bool{"version": true, "secrets": true, "labels": true}

// changedKeys names what differs between two launch configs, the image first (with its
// new name) and then the compose-level keys in camelCase, sorted.
func changedKeys(old, next map[string]any) []string {
	var parts []string
	if img := imageName(next); img != imageName(old) {
		parts = append(parts, "image "+img)
	}
	keys := map[string]bool{}
	for k := range next {
		keys[k] = true
	}
	for k := range old {
		keys[k] = true
	}
	var changed []string
	for k := range keys {
		if k != "imageUuid" && !lcNoise[k] && !sameJSON(old[k], next[k]) {
			changed = append(changed, k)
		}
	}
	if !sameJSON(userLabels(old), userLabels(next)) {
		changed = append(changed, "labels")
	}
	sort.Strings(changed)
	return append(parts, changed...)
}

func imageName(lc map[string]any) string {
	s, _ := lc["imageUuid"].(string)
	return strings.TrimPrefix(s, "docker:")
}

// userLabels are a launch config's labels without the hash label.
func userLabels(lc map[string]any) map[string]any {
	labels, _ := lc["labels"].(map[string]any)
	out := map[string]any{}
	for k, v := range labels {
		if k != "io.rancher.service.hash" {
			out[k] = v
		}
	}
	return out
}

// sameJSON compares two values as JSON, so a number read back from the daemon equals the
// one in the files whatever Go type holds it.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// settingKeys are the service-level fields a PUT changes besides metadata; the external
// ones are compared even when the files leave them out, since the PUT clears them.
var settingKeys = []string{"externalIpAddresses", "hostname"}

// settingsDetail names the service-level settings that differ between a deployed service
// and the files: metadata and the fields of the create body (lbConfig, scalePolicy, ...).
// It is empty when only the config hash differs, which a PUT then brings in line quietly.
func settingsDetail(r Resource, svc compose.Service) string {
	var changed []string
	deployed, _ := r["metadata"].(map[string]any)
	if !sameJSON(withoutHash(deployed), withoutHash(svc.Metadata)) {
		changed = append(changed, "metadata")
	}
	keys := map[string]bool{}
	for k := range svc.Fields {
		keys[k] = true
	}
	if svc.Kind == "externalService" {
		for _, k := range settingKeys {
			keys[k] = true
		}
	}
	var fields []string
	for k := range keys {
		if !sameJSON(emptyAsNil(r[k]), emptyAsNil(svc.Fields[k])) {
			fields = append(fields, k)
		}
	}
	sort.Strings(fields)
	return strings.Join(append(changed, fields...), ", ")
}

// withoutHash is a metadata map without the hash, nil when nothing else is in it.
func withoutHash(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != "io.rancher.service.hash" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// emptyAsNil treats an empty string, list or map as absent.
func emptyAsNil(v any) any {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
	case []any:
		if len(t) == 0 {
			return nil
		}
	case []string:
		if len(t) == 0 {
			return nil
		}
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
	}
	return v
}

// scaleTarget returns the scale a reload sets on a deployed service: the files' scale
// when it was edited since the files were last applied (opts.Scales) and differs from
// the service's; zero leaves the scale alone. `rancher up` never changes the scale of an
// existing service (cattle-semantics.md 5.3); the watcher applies an edit of it, so that
// saving a new scale scales. Global services and those without containers have no
// scale to set.
func scaleTarget(r Resource, svc compose.Service, opts ReloadOptions) int {
	if opts.Scales == nil || svc.Kind == "externalService" || svc.Kind == "dnsService" {
		return 0
	}
	if before, ok := opts.Scales[svc.Name]; ok && before == svc.Scale {
		return 0
	}
	labels, _ := svc.LaunchConfig["labels"].(map[string]any)
	if fmt.Sprint(labels["io.rancher.scheduler.global"]) == "true" {
		return 0
	}
	if intField(r, "scale") == svc.Scale {
		return 0
	}
	return svc.Scale
}

// intField reads a number of a resource.
func intField(r Resource, k string) int {
	n, _ := r[k].(float64)
	return int(n)
}
