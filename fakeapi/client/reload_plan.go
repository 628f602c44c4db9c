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
