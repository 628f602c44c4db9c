package fakeapi

import (
	"encoding/hex"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

func TestTokenStoreSingleUseUnit(t *testing.T) {
	ts := newTokenStore(time.Minute)
	g := grant{pid: "1a5", container: "1i3", logs: engine.LogOptions{Follow: true, Tail: 7}}
	tok := ts.issue(g)
	if len(tok) != 64 {
		t.Errorf("token %q has %d characters, want 64", tok, len(tok))
	}
	if _, err := hex.DecodeString(tok); err != nil {
		t.Errorf("token %q is not hex (URL-safe): %v", tok, err)
	}
	if other := ts.issue(g); other == tok {
		t.Error("two issues gave the same token")
	}
	got, ok := ts.redeem(tok)
	if !ok || got.pid != "1a5" || got.container != "1i3" || got.logs != g.logs {
		t.Fatalf("redeem = %+v, %v", got, ok)
	}
	if !got.expires.After(time.Now()) {
		t.Errorf("grant expires %v, want in the future", got.expires)
	}
	if _, ok := ts.redeem(tok); ok {
		t.Error("a token was redeemed twice")
	}
	for _, bad := range []string{"", "nosuch", tok[:32]} {
		if _, ok := ts.redeem(bad); ok {
			t.Errorf("redeem(%q) succeeded", bad)
		}
	}
}

func TestTokenStoreExpiryUnit(t *testing.T) {
	ts := newTokenStore(time.Minute)
	tok := ts.issue(grant{container: "1i1"})
	ts.mu.Lock()
	g := ts.m[tok]
	g.expires = time.Now().Add(-time.Millisecond)
	ts.m[tok] = g
	ts.mu.Unlock()
	if _, ok := ts.redeem(tok); ok {
		t.Error("an expired token was redeemed")
	}

	short := newTokenStore(20 * time.Millisecond)
	tok = short.issue(grant{container: "1i2"})
	time.Sleep(40 * time.Millisecond)
	if _, ok := short.redeem(tok); ok {
		t.Error("a token was redeemed after its ttl")
	}

	// Issuing sweeps out tokens that expired unused.
	stale := newTokenStore(-time.Second)
	for range 3 {
		stale.issue(grant{})
	}
	stale.mu.Lock()
	n := len(stale.m)
	stale.mu.Unlock()
	if n != 1 {
		t.Errorf("%d tokens kept, want only the newest", n)
	}
}

func TestTokenStoreConcurrentRedeemUnit(t *testing.T) {
	ts := newTokenStore(time.Minute)
	tok := ts.issue(grant{container: "1i1"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 16 {
		wg.Go(func() {
			if _, ok := ts.redeem(tok); ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("token redeemed %d times, want once", wins)
	}
}

func TestCleanUnit(t *testing.T) {
	in := map[string]any{
		"type":    "service",
		"name":    "web",
		"links":   map[string]any{"self": "http://x/services/1s1"},
		"actions": map[string]any{"activate": "http://x/services/1s1/?action=activate"},
		"launchConfig": map[string]any{
			"type":      "launchConfig",
			"imageUuid": "docker:nginx",
			"links":     map[string]any{},
			"actions":   map[string]any{},
			"labels": map[string]any{"links": "keep me", "actions": "me too",
				"io.rancher.container.pull_image": "always"},
			"environment": map[string]any{"links": "env value"},
			"logConfig": map[string]any{"driver": "json-file", "links": map[string]any{},
				"config": map[string]any{"links": "3"}},
			"healthCheck": map[string]any{"port": int64(80), "actions": map[string]any{}},
		},
		"secondaryLaunchConfigs": []any{
			map[string]any{"name": "logger", "links": map[string]any{},
				"labels": map[string]any{"links": "sidekick label"}},
			"not a map",
		},
	}
	want := map[string]any{
		"type": "service",
		"name": "web",
		"launchConfig": map[string]any{
			"type":      "launchConfig",
			"imageUuid": "docker:nginx",
			"labels": map[string]any{"links": "keep me", "actions": "me too",
				"io.rancher.container.pull_image": "always"},
			"environment": map[string]any{"links": "env value"},
			"logConfig": map[string]any{"driver": "json-file",
				"config": map[string]any{"links": "3"}},
			"healthCheck": map[string]any{"port": int64(80)},
		},
		"secondaryLaunchConfigs": []any{
			map[string]any{"name": "logger",
				"labels": map[string]any{"links": "sidekick label"}},
			"not a map",
		},
	}
	if got := clean(in); !reflect.DeepEqual(got, want) {
		t.Errorf("clean =\n%#v\nwant\n%#v", got, want)
	}
	// The input is not modified.
	if _, ok := in["links"]; !ok {
		t.Error("clean modified its input")
	}
	if got := cleanMap(in, "launchConfig"); got["links"] != nil || got["imageUuid"] == nil {
		t.Errorf("cleanMap(launchConfig) = %v", got)
	}
	if got := cleanMap(in, "name"); got != nil {
		t.Errorf("cleanMap of a string = %v, want nil", got)
	}
	sks := cleanMaps(in, "secondaryLaunchConfigs")
	if len(sks) != 1 || sks[0]["name"] != "logger" || sks[0]["links"] != nil {
		t.Errorf("cleanMaps = %v", sks)
	}
	for _, v := range []any{"s", int64(1), nil, true} {
		if got := clean(v); got != v {
			t.Errorf("clean(%v) = %v", v, got)
		}
	}
}

// metadata is a user map like labels: Cattle keeps every key, and the CLI's typed
// structs put no links/actions inside it.
func TestServiceMetadataKeepsAllKeysUnit(t *testing.T) {
	body := map[string]any{"name": "web", "stackId": "1st1",
		"metadata": map[string]any{"links": []any{"db"}, "actions": "deploy",
			"nested": map[string]any{"links": "x"}}}
	got := serviceInput("service", body).Metadata
	want := map[string]any{"links": []any{"db"}, "actions": "deploy",
		"nested": map[string]any{"links": "x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metadata = %v, want %v", got, want)
	}
}

func TestServiceInputUnit(t *testing.T) {
	body := map[string]any{"type": "service", "name": "web", "stackId": "1st1",
		"scale": int64(3), "startOnCreate": true, "description": "front",
		"links": map[string]any{}, "actions": map[string]any{},
		"launchConfig": map[string]any{"imageUuid": "docker:nginx",
			"links": map[string]any{}, "labels": map[string]any{"links": "l"}},
		"lbConfig": map[string]any{"portRules": []any{}, "links": map[string]any{}}}
	in := serviceInput("loadBalancerService", body)
	if in.Type != "loadBalancerService" || in.Name != "web" || in.StackID != "1st1" ||
		in.Scale == nil || *in.Scale != 3 || !in.StartOnCreate || in.Description != "front" {
		t.Errorf("serviceInput = %+v", in)
	}
	if _, ok := in.LaunchConfig["links"]; ok {
		t.Errorf("launchConfig kept links: %v", in.LaunchConfig)
	}
	if labels, _ := in.LaunchConfig["labels"].(map[string]any); labels["links"] != "l" {
		t.Errorf("launchConfig labels = %v", in.LaunchConfig["labels"])
	}
	lb, _ := in.Extra["lbConfig"].(map[string]any)
	if _, ok := lb["links"]; ok || lb == nil {
		t.Errorf("lbConfig = %v", in.Extra["lbConfig"])
	}
	if got := serviceInput("service", map[string]any{"name": "x"}); got.Scale != nil ||
		got.Extra != nil {
		t.Errorf("absent scale/extras: %+v", got)
	}
}

func TestFindSchemaUnit(t *testing.T) {
	tests := []struct {
		defs   []schemaDef
		id     string
		want   string
		wantOK bool
	}{
		// The CLI asks for {p}/schemas/schemas at the start of every command.
		{projectSchemas, "schemas", "schema", true},
		{projectSchemas, "schema", "schema", true},
		{projectSchemas, "service", "service", true},
		{projectSchemas, "services", "service", true},
		{projectSchemas, "SERVICE", "service", true},
		{projectSchemas, "loadbalancerservice", "loadBalancerService", true},
		{projectSchemas, "loadBalancerServices", "loadBalancerService", true},
		{projectSchemas, "stacks", "stack", true},
		{projectSchemas, "container", "container", true},
		{projectSchemas, "hostaccess", "hostAccess", true},
		{projectSchemas, "volumeTemplates", "volumeTemplate", true},
		{projectSchemas, "nosuch", "", false},
		{projectSchemas, "", "", false},
		{projectSchemas, "service ", "", false},
		{accountSchemas, "schemas", "schema", true},
		{accountSchemas, "projects", "project", true},
		{accountSchemas, "stack", "", false},
		{catalogSchemas, "templateversions", "templateVersion", true},
	}
	for _, tt := range tests {
		d, ok := findSchema(tt.defs, tt.id)
		if ok != tt.wantOK || d.id != tt.want {
			t.Errorf("findSchema(%q) = %q, %v; want %q, %v", tt.id, d.id, ok, tt.want,
				tt.wantOK)
		}
	}
}

func TestSchemaResourceLinksUnit(t *testing.T) {
	d, _ := findSchema(projectSchemas, "loadBalancerService")
	r := schemaResource("http://h/v2-beta/projects/1a5", d)
	links, _ := r["links"].(map[string]any)
	if links["self"] != "http://h/v2-beta/projects/1a5/schemas/loadbalancerservice" ||
		links["collection"] != "http://h/v2-beta/projects/1a5/loadbalancerservices" {
		t.Errorf("links = %v", links)
	}
	if r["pluralName"] != "loadBalancerServices" || r["id"] != "loadBalancerService" {
		t.Errorf("schema = %v", r)
	}
	he, _ := findSchema(projectSchemas, "hostAccess")
	if _, ok := schemaResource("p", he)["links"].(map[string]any)["collection"]; ok {
		t.Error("a type without collection methods has a collection link")
	}
}

func TestSegmentsUnit(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{"", nil},
		{"/", nil},
		{"/projects", []string{"projects"}},
		{"/projects/", []string{"projects"}},
		{"/projects/1a5/services/1s12", []string{"projects", "1a5", "services", "1s12"}},
		// Action URLs: <collection>/<id>/?action=<name>.
		{"/projects/1a5/services/1s12/", []string{"projects", "1a5", "services", "1s12"}},
		{"/projects/1a5/containers/1i3/", []string{"projects", "1a5", "containers", "1i3"}},
		{"/projects/1a5/schemas/schemas", []string{"projects", "1a5", "schemas", "schemas"}},
		// A lookup of "a/b" is appended raw and becomes two segments.
		{"/projects/1a5/services/a/b",
			[]string{"projects", "1a5", "services", "a", "b"}},
		// Only one trailing empty part is dropped.
		{"/projects//", []string{"projects", ""}},
		{"projects/1a5", []string{"projects", "1a5"}},
	}
	for _, tt := range tests {
		if got := segments(tt.path); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("segments(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestPublishedPortsUnit(t *testing.T) {
	tests := []struct {
		ports any
		want  []published
	}{
		{[]any{"60000:8080"}, []published{{"127.0.0.1", 60000}}},
		{[]any{"127.0.0.1:8443:443/tcp"}, []published{{"127.0.0.1", 8443}}},
		{[]any{"0.0.0.0:5353:53/udp"}, []published{{"0.0.0.0", 5353}}},
		{[]any{"8080:80/tcp"}, []published{{"127.0.0.1", 8080}}},
		{[]any{"80"}, nil},
		{[]any{"80/tcp"}, nil},
		{[]any{"http:80"}, nil},
		{[]any{"127.0.0.1::80"}, nil},
		{[]any{float64(80), nil}, nil},
		{[]any{"1:2:3:4"}, nil},
		{[]any{"80", "60000:8080", "60001:8081/udp"},
			[]published{{"127.0.0.1", 60000}, {"127.0.0.1", 60001}}},
		{[]any{"55078-55079:8080-8081"},
			[]published{{"127.0.0.1", 55078}, {"127.0.0.1", 55079}}},
		{[]any{"55079-55078:8080-8081"}, nil},
		{nil, nil},
		{"60000:8080", nil},
	}
	for _, tt := range tests {
		lcfg := map[string]any{"imageUuid": "docker:nginx"}
		if tt.ports != nil {
			lcfg["ports"] = tt.ports
		}
		if got := publishedPorts(lcfg); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("publishedPorts(%v) = %v, want %v", tt.ports, got, tt.want)
		}
	}
	if got := publishedPorts(nil); got != nil {
		t.Errorf("publishedPorts(nil) = %v", got)
	}
}
