package export

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// parseYAML reads exported text back into plain data.
func parseYAML(t *testing.T, text string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("exported YAML does not parse: %v\n%s", err, text)
	}
	return doc
}

// serviceIn returns services.<name> of a parsed file, nil when absent.
func serviceIn(doc map[string]any, name string) map[string]any {
	services, _ := doc["services"].(map[string]any)
	s, _ := services[name].(map[string]any)
	return s
}

// sameData compares two values after a JSON round trip, which evens out number types.
func sameData(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := jsonText(t, got), jsonText(t, want)
	if g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(generic)
	return string(b)
}

// fromYAML parses an expectation written as YAML.
func fromYAML(t *testing.T, text string) any {
	t.Helper()
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("bad expectation %q: %v", text, err)
	}
	return v
}

// stackLookup resolves ids of the form "stack/name" (or "name" for stack "app").
func stackLookup(id string) (string, string, bool) {
	if id == "" || strings.HasPrefix(id, "gone") {
		return "", "", false
	}
	if st, name, ok := strings.Cut(id, "/"); ok {
		return st, name, true
	}
	return "app", id, true
}
