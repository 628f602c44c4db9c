package mounts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSourceNeedsOtherExecuteOnTheWayUnit(t *testing.T) {
	tr := newTree(t)
	if err := tr.Mkdir("/global/cfs/cdirs/m1/spin/web", true, 0o770); err != nil {
		t.Fatal(err)
	}
	if err := tr.Chmod("/global/cfs/cdirs/m1/spin", "770"); err != nil {
		t.Fatal(err)
	}
	src := "/global/cfs/cdirs/m1/spin/web"
	_, err := tr.Source(src)
	var se *SearchError
	if !errors.As(err, &se) || se.Dir != "/global/cfs/cdirs/m1/spin" {
		t.Fatalf("Source = %v, want a search error at .../spin", err)
	}
	want := "error while creating mount source path '" + src + "': mkdir " + src +
		": permission denied"
	if err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	// 0741 works on a parent, 0740 does not; the source itself needs no o+x.
	if err := tr.Chmod("/global/cfs/cdirs/m1/spin", "741"); err != nil {
		t.Fatal(err)
	}
	local, err := tr.Source(src)
	if err != nil || !strings.HasSuffix(local, "/cfs/cdirs/m1/spin/web") {
		t.Fatalf("after chmod 741: %q, %v", local, err)
	}
	if err := tr.Chmod("/global", "o-x"); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Source(src); !errors.As(err, &se) || se.Dir != "/global" {
		t.Fatalf("root without o+x: %v", err)
	}
}

func TestSourceIsNeverCreatedUnit(t *testing.T) {
	tr := newTree(t)
	src := "/global/cfs/cdirs/m1/missing/conf"
	_, err := tr.Source(src)
	var me *MissingError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), src) ||
		!strings.Contains(err.Error(), "spinlocal gpfs mkdir") {
		t.Fatalf("Source = %v, want a missing-source error naming the path and the fix", err)
	}
	local := filepath.Join(tr.Root, "cfs/cdirs/m1/missing")
	if _, err := os.Stat(local); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the missing source's parent was created: %v", err)
	}
}

func TestSourceChecksBothPathsThroughSymlinksUnit(t *testing.T) {
	tr := newTree(t)
	for _, d := range []string{"/global/a/locked/data", "/global/b"} {
		if err := tr.Mkdir(d, true, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Chmod("/global/a/locked", "750"); err != nil {
		t.Fatal(err)
	}
	// /global/b/data -> /global/a/locked/data: written path fine, resolved path is not.
	if err := os.Symlink(filepath.Join(tr.Root, "a/locked/data"),
		filepath.Join(tr.Root, "b/data")); err != nil {
		t.Fatal(err)
	}
	var se *SearchError
	if _, err := tr.Source("/global/b/data/x"); !errors.As(err, &se) ||
		se.Dir != "/global/a/locked" {
		t.Fatalf("Source through a symlink = %v", err)
	}
}
