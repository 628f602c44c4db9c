package export

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// A command that starts with a newline (a `sh -c` script) must encode and read back.
func TestMultilineStringsRoundTrip(t *testing.T) {
	script := "\nset -e\necho one\n  echo two\n"
	out, err := encode([]section{{key: "services", value: map[string]any{
		"app": map[string]any{"command": []any{"sh", "-c", script}}}}})
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var back struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(out), &back); err != nil {
		t.Fatalf("read back: %v\n%s", err, out)
	}
	if got := back.Services["app"].Command; len(got) != 3 || got[2] != script {
		t.Fatalf("command = %q\n%s", got, out)
	}
}
