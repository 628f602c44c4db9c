package compose

import (
	"testing"
)

func TestHashIsCanonical(t *testing.T) {
	a := map[string]any{
		"imageUuid": "docker:nginx",
		"ports":     []string{"80:80"},
		"labels":    map[string]any{"app": "web", hashLabel: "old"},
		"memory":    int64(1024),
	}
	b := map[string]any{
		"memory":    1024.0,
		"labels":    map[string]string{"app": "web"},
		"ports":     []any{"80:80"},
		"imageUuid": "docker:nginx",
		"scale":     4,
		"links":     []any{"db"},
		"stackId":   "1st5",
	}
	if Hash(a) != Hash(b) {
		t.Errorf("Hash differs for equal configs: %s vs %s", Hash(a), Hash(b))
	}
	if len(Hash(a)) != 40 {
		t.Errorf("Hash(a) = %q, want 40 hex digits", Hash(a))
	}
	// Maps iterate in random order: twenty hashes of one config must agree.
	first := Hash(a)
	for i := 0; i < 20; i++ {
		if h := Hash(a); h != first {
			t.Fatalf("Hash is not stable across calls: %s then %s", first, h)
		}
	}
}

func TestHashChanges(t *testing.T) {
	base := map[string]any{"imageUuid": "docker:nginx:1.13", "ports": []any{"80:80"}}
	changed := []map[string]any{
		{"imageUuid": "docker:nginx:1.14", "ports": []any{"80:80"}},
		{"imageUuid": "docker:nginx:1.13", "ports": []any{"8080:80"}},
		{"imageUuid": "docker:nginx:1.13", "ports": []any{"80:80"}, "user": "1000"},
	}
	for i, c := range changed {
		if Hash(c) == Hash(base) {
			t.Errorf("change %d kept the hash %s", i, Hash(base))
		}
	}
	ignored := []map[string]any{
		{"imageUuid": "docker:nginx:1.13", "ports": []any{"80:80"}, "selectorLink": "a=b"},
		{"imageUuid": "docker:nginx:1.13", "ports": []any{"80:80"},
			"selector_container": "a=b", "stack_id": "1st1"},
	}
	for i, c := range ignored {
		if Hash(c) != Hash(base) {
			t.Errorf("ignored change %d altered the hash", i)
		}
	}
}

// Loading the same files twice gives the same digests, and changing only
// the scale in rancher-compose.yml changes none of them, so `up` after a
// scale edit upgrades nothing, as with the CLI.
func TestLoadHashesDeterministic(t *testing.T) {
	compose := `version: '2'
services:
  web:
    image: nginx:1.13
    labels: {io.rancher.sidekicks: log, b: "2", a: "1"}
    environment: {Z: z, A: a, M: m}
    ports: ["8080:80", "8443:443"]
    volumes: [/a, /b, /c]
  log:
    image: busybox
    command: tail -F /var/log/x
`
	hashes := func(rancher string) []any {
		p := mustLoad(t, map[string]string{"docker-compose.yml": compose,
			"rancher-compose.yml": rancher})
		web := service(t, p, "web")
		return []any{web.Metadata[hashLabel], labelsOf(web.LaunchConfig)[hashLabel],
			labelsOf(web.SecondaryLaunchConfigs[0])[hashLabel]}
	}
	first := hashes("web:\n  scale: 1\n")
	for i := 0; i < 5; i++ {
		again := hashes("web:\n  scale: 1\n")
		for j := range first {
			if first[j] != again[j] {
				t.Fatalf("run %d: hash %d = %v, want %v", i, j, again[j], first[j])
			}
		}
	}
	scaled := hashes("web:\n  scale: 5\n")
	for j := range first {
		if first[j] != scaled[j] {
			t.Errorf("scale change altered hash %d", j)
		}
	}
	healthy := hashes("web:\n  health_check: {port: 80}\n")
	if healthy[0] == first[0] || healthy[1] == first[1] {
		t.Errorf("health check change kept the service and primary hashes")
	}
	if healthy[2] != first[2] {
		t.Errorf("primary-only change altered the sidekick hash")
	}
}
