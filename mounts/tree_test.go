package mounts

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// newTree makes a tree in a temp dir with /global/cfs/cdirs/m1 (0755) in it.
func newTree(t *testing.T) Tree {
	t.Helper()
	tr := Tree{Root: filepath.Join(t.TempDir(), "global")}
	if err := tr.Mkdir("/global/cfs/cdirs/m1", true, 0o755); err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestIsGlobalUnit(t *testing.T) {
	for src, want := range map[string]bool{"/global": true, "/global/cfs/x": true,
		"/global/../etc": true, "/globalx": false, "/srv/global": false, "global/x": false,
		"": false} {
		if got := IsGlobal(src); got != want {
			t.Errorf("IsGlobal(%q) = %v", src, got)
		}
	}
}

func TestResolveMapsUnderTheRootUnit(t *testing.T) {
	tr := newTree(t)
	root, _ := filepath.EvalSymlinks(tr.Root)
	for in, want := range map[string]string{
		"/global":                      root,
		"/global/cfs/cdirs/m1":         filepath.Join(root, "cfs/cdirs/m1"),
		"/global/cfs/cdirs/m1/new/dir": filepath.Join(root, "cfs/cdirs/m1/new/dir"),
		"/global/cfs/../cfs/cdirs/":    filepath.Join(root, "cfs/cdirs"),
	} {
		got, err := tr.Resolve(in)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestResolveRefusesEscapesUnit(t *testing.T) {
	tr := newTree(t)
	outside := t.TempDir()
	link := filepath.Join(tr.Root, "cfs", "cdirs", "m1", "out")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(tr.Root, "cfs", "cdirs", "in")
	if err := os.Symlink(filepath.Join(tr.Root, "cfs", "cdirs", "m1"), inside); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/global/../etc", "/global/cfs/../../etc/passwd",
		"/global/cfs/cdirs/m1/out", "/global/cfs/cdirs/m1/out/new/deeper"} {
		_, err := tr.Resolve(p)
		var esc *EscapeError
		if !errors.As(err, &esc) || esc.Path != p {
			t.Errorf("Resolve(%q) = %v, want an escape naming the path", p, err)
		}
	}
	got, err := tr.Resolve("/global/cfs/cdirs/in/x")
	root, _ := filepath.EvalSymlinks(tr.Root)
	if err != nil || got != filepath.Join(root, "cfs/cdirs/m1/x") {
		t.Errorf("a symlink inside the tree: %q, %v", got, err)
	}
	if _, err := tr.Resolve("/etc/passwd"); err == nil {
		t.Error("a path outside /global was resolved")
	}
}
