package fakeapi

import (
	"net/url"
	"slices"
	"testing"
)

// filterItems are rendered resources as the list handlers pass them to filter.
func filterItems() []map[string]any {
	return []map[string]any{
		{"id": "1s1", "name": "web", "state": "active", "stackId": "1st1", "system": false,
			"removed": nil, "scale": 2},
		{"id": "1s2", "name": "Web", "state": "inactive", "stackId": "1st2", "system": false,
			"removed": nil, "scale": 1},
		{"id": "1s3", "name": "web", "state": "removed", "stackId": "1st1", "system": false,
			"removed": "2024-01-02T03:04:05Z", "scale": 1},
		{"id": "1s4", "name": "db", "state": "removing", "stackId": "1st1", "system": true,
			"removed": nil, "scale": 1},
		{"id": "1s5", "name": "cache", "state": "stopped", "stackId": "1st1", "system": nil,
			"removed": nil, "scale": 1},
		// A host: no system, no stackId, no removed key at all.
		{"id": "1h1", "name": "laptop", "state": "active", "hostname": "laptop"},
	}
}

func ids(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, asString(it["id"]))
	}
	return out
}

func TestFilterCLIQueriesUnit(t *testing.T) {
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"1s1", "1s2", "1s4", "1s5", "1h1"}},
		// Lookup by name (section 4): exact and case-sensitive.
		{"name=web&removed_null=1", []string{"1s1"}},
		{"name=Web&removed_null=1", []string{"1s2"}},
		{"name=WEB&removed_null=1", []string{}},
		// `up` sends removed_null=<nil> literally; it means the same as removed_null=1.
		{"name=web&removed_null=%3Cnil%3E", []string{"1s1"}},
		{"name=web&removed_null=<nil>", []string{"1s1"}},
		{"removed_null=1&all=true", []string{"1s1", "1s2", "1s4", "1s5", "1h1"}},
		{"removed_null=%3Cnil%3E&all=true", []string{"1s1", "1s2", "1s4", "1s5", "1h1"}},
		// Service lookup inside a stack.
		{"name=web&stackId=1st1", []string{"1s1"}},
		// A field the resource lacks (the host has no stackId) does not filter it out.
		{"stackId=1st1", []string{"1s1", "1s4", "1s5", "1h1"}},
		{"stackId=1st9", []string{"1h1"}},
		// The list commands without --all.
		{"state_ne=inactive&state_ne=stopped&state_ne=removing",
			[]string{"1s1", "1h1"}},
		{"limit=-2&state_ne=inactive&state_ne=stopped&state_ne=removing&system=false",
			[]string{"1s1", "1h1"}},
		{"state_ne=inactive", []string{"1s1", "1s4", "1s5", "1h1"}},
		// system=false keeps resources whose system is false, null or missing.
		{"system=false", []string{"1s1", "1s2", "1s5", "1h1"}},
		{"system=false&limit=-2&sort=id&order=desc", []string{"1s1", "1s2", "1s5", "1h1"}},
		// --all shows removed resources too.
		{"all=true", []string{"1s1", "1s2", "1s3", "1s4", "1s5", "1h1"}},
		{"all=true&name=web", []string{"1s1", "1s3"}},
		{"all=true&system=false&limit=-2", []string{"1s1", "1s2", "1s3", "1s5", "1h1"}},
		{"all=false", []string{"1s1", "1s2", "1s4", "1s5", "1h1"}},
		// Repeated plain keys mean any of.
		{"name=web&name=db", []string{"1s1", "1s4"}},
		// Non-string fields compare by their text.
		{"scale=2", []string{"1s1", "1h1"}},
		{"hostname=laptop", []string{"1s1", "1s2", "1s4", "1s5", "1h1"}},
		// Unknown fields are ignored, not rejected.
		{"subLog=0&category_ne=infra&rancherVersion=v1.6.14",
			[]string{"1s1", "1s2", "1s4", "1s5", "1h1"}},
		{"removed_notnull=1&all=true", []string{"1s3"}},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", tt.query, err)
		}
		got := ids(filter(filterItems(), q))
		if !slices.Equal(got, tt.want) {
			t.Errorf("filter(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestMatchesUnit(t *testing.T) {
	svc := map[string]any{"id": "1s1", "name": "web", "state": "active", "removed": nil}
	gone := map[string]any{"id": "1s3", "name": "web", "removed": "2024-01-02T03:04:05Z"}
	tests := []struct {
		it    map[string]any
		query string
		want  bool
	}{
		{svc, "removed_null=1", true},
		{svc, "removed_null=%3Cnil%3E", true},
		{gone, "removed_null=1", false},
		{gone, "removed_null=%3Cnil%3E", false},
		{gone, "all=true", true},
		{svc, "state_ne=active", false},
		{svc, "state_ne=inactive&state_ne=active", false},
		{svc, "state_ne=inactive&state_ne=stopped", true},
		{svc, "name=web", true},
		{svc, "name=we", false},
		{svc, "name=", false},
		{svc, "id=1s1", true},
		{svc, "token=abc&action=activate&include=instances", true},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		if got := matches(tt.it, q); got != tt.want {
			t.Errorf("matches(%v, %q) = %v, want %v", tt.it["id"], tt.query, got, tt.want)
		}
	}
}

func TestCollectionEnvelopeUnit(t *testing.T) {
	data := filter(filterItems(), url.Values{"name": {"web"}})
	c := collection("http://x/v2-beta/projects/1a5/services", "service", data, nil)
	if c["type"] != "collection" || c["resourceType"] != "service" {
		t.Errorf("envelope type %v resourceType %v", c["type"], c["resourceType"])
	}
	items, _ := c["data"].([]any)
	if len(items) != 1 {
		t.Fatalf("data = %v", c["data"])
	}
	pg, _ := c["pagination"].(map[string]any)
	if pg == nil || pg["partial"] != false {
		t.Errorf("pagination = %v", c["pagination"])
	}
	if _, ok := pg["next"]; ok {
		t.Error("collection must never paginate")
	}
	if ct, ok := c["createTypes"].(map[string]any); !ok || ct == nil {
		t.Errorf("createTypes = %#v, want an empty object", c["createTypes"])
	}
	empty := collection("http://x", "stack", nil, nil)
	if items, ok := empty["data"].([]any); !ok || items == nil || len(items) != 0 {
		t.Errorf("empty data = %#v, want []", empty["data"])
	}
}
