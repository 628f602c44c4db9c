package compose

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles writes name -> content under a fresh directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadDir loads docker-compose.yml (and rancher-compose.yml) from dir with
// an empty process environment.
func loadDir(t *testing.T, dir string) (*Project, error) {
	t.Helper()
	return Load(context.Background(), Options{
		Files:   []string{filepath.Join(dir, "docker-compose.yml")},
		Environ: map[string]string{},
	})
}

// mustLoad writes the files and loads them, failing the test on error.
func mustLoad(t *testing.T, files map[string]string) *Project {
	t.Helper()
	p, err := loadDir(t, writeFiles(t, files))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func service(t *testing.T, p *Project, name string) Service {
	t.Helper()
	for _, s := range p.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %q among %v", name, serviceNames(p))
	return Service{}
}

func serviceNames(p *Project) []string {
	var names []string
	for _, s := range p.Services {
		names = append(names, s.Name)
	}
	return names
}

// asJSON normalises a value through encoding/json for comparisons.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

// wantJSON checks that got equals the JSON text want.
func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation for %s: %v", what, err)
	}
	if g := asJSON(t, got); !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Errorf("%s\n got %s\nwant %s", what, gb, wb)
	}
}

// withoutHash returns a launch config copy without the hash label.
func withoutHash(lc map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range lc {
		out[k] = v
	}
	if labels, ok := lc["labels"].(map[string]any); ok {
		l := map[string]any{}
		for k, v := range labels {
			if k != hashLabel {
				l[k] = v
			}
		}
		if len(l) == 0 {
			delete(out, "labels")
		} else {
			out["labels"] = l
		}
	}
	return out
}

// wantLoadError checks err is a *LoadError with the given file base name,
// key and line, whose message contains msg.
func wantLoadError(t *testing.T, err error, file, key string, line int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Load succeeded, want an error about %s", key)
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("error %q (%T) is not a *LoadError", err, err)
	}
	if filepath.Base(le.File) != file || le.Key != key || le.Line != line {
		t.Errorf("error at file %q key %q line %d, want %q %q %d (%v)",
			filepath.Base(le.File), le.Key, le.Line, file, key, line, err)
	}
	if !strings.Contains(le.Msg, msg) {
		t.Errorf("message %q does not contain %q", le.Msg, msg)
	}
}
