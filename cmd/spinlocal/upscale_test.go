package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// `up` of a deployed stack leaves a scale edited in the files alone, as `rancher up`
// does, and says so.
func TestUpOfADeployedStackSaysItLeavesTheScale(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	dir := filepath.Join(t.TempDir(), "drift")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "docker-compose.yml")
	text := fmt.Sprintf(apitest.LinkedPair, apitest.Image(), "hello")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	scale := func(n int) {
		body := fmt.Sprintf("version: '2'\nservices:\n  web:\n    scale: %d\n", n)
		err := os.WriteFile(filepath.Join(dir, "rancher-compose.yml"), []byte(body), 0o644)
		if err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"up", "-d", "-f", file, "--url", d.Server.URL, "--state-dir",
		d.StateDir}

	scale(1)
	if out, err := run(t, args...); err != nil || strings.Contains(out, "has scale") {
		t.Fatalf("first up: %v\n%s", err, out)
	}
	scale(2)
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("second up: %v\n%s", err, out)
	}
	want := "Service web has scale 1, the files say 2: up sets the scale only when it " +
		"creates a service, as rancher up does (rancher scale drift/web=2 sets it"
	if !strings.Contains(out, want) || strings.Contains(out, "Service db has") {
		t.Errorf("second up printed:\n%s\nwant a line starting %q", out, want)
	}
	web, err := d.Client.FindByName(t.Context(), "services", "web", nil)
	if err != nil || web == nil || web["scale"] != float64(1) {
		t.Errorf("web after the second up: %v %v", web, err)
	}
}
