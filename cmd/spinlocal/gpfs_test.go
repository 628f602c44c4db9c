package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gpfsRun runs `spinlocal gpfs ARGS...` in-process and returns stdout and the error.
func gpfsRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errOut
	err := app.RunContext(t.Context(), append([]string{"spinlocal", "gpfs"}, args...))
	return out.String(), err
}

func TestGPFSCommands(t *testing.T) {
	state := t.TempDir()
	t.Setenv("SPINLOCAL_STATE_DIR", state)
	t.Setenv("SPINLOCAL_GLOBAL_ROOT", "")
	root := filepath.Join(state, "global")
	if out, err := gpfsRun(t, "root"); err != nil || out != root+"\n" {
		t.Fatalf("root = %q, %v", out, err)
	}
	steps := [][]string{
		{"mkdir", "-p", "/global/cfs/cdirs/m1/web"},
		{"mkdir", "-m", "750", "/global/cfs/cdirs/m1/private"},
		{"chmod", "o-x", "/global/cfs/cdirs/m1/web"},
	}
	if os.Geteuid() == 0 {
		steps = append(steps, []string{"chown", "10001:71234", "/global/cfs/cdirs/m1/web"})
	}
	for _, s := range steps {
		if out, err := gpfsRun(t, s...); err != nil || out != "" {
			t.Fatalf("gpfs %v: %q, %v", s, out, err)
		}
	}
	out, err := gpfsRun(t, "ls", "/global/cfs/cdirs/m1")
	if err != nil || out != "private\nweb\n" {
		t.Fatalf("ls = %q, %v", out, err)
	}
	out, err = gpfsRun(t, "ls", "-l", "/global/cfs/cdirs/m1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "drwxr-x--- ") ||
		!strings.HasPrefix(lines[1], "drwxr-xr-- ") || !strings.HasSuffix(lines[1], " web") {
		t.Fatalf("ls -l = %q, %v", out, err)
	}
	if os.Geteuid() == 0 && !strings.Contains(lines[1], " 10001  71234 ") {
		t.Errorf("owner not shown numerically: %q", lines[1])
	}

	// An explicit root wins over the state dir, given to gpfs or to the subcommand.
	other := filepath.Join(t.TempDir(), "g")
	for _, args := range [][]string{{"--global-root", other, "root"},
		{"root", "--global-root", other}} {
		if out, err := gpfsRun(t, args...); err != nil || out != other+"\n" {
			t.Errorf("gpfs %v = %q, %v", args, out, err)
		}
	}
	t.Setenv("SPINLOCAL_GLOBAL_ROOT", other)
	if out, err := gpfsRun(t, "root"); err != nil || out != other+"\n" {
		t.Errorf("root from the environment = %q, %v", out, err)
	}
}

func TestGPFSRefusesPathsOutsideTheTree(t *testing.T) {
	root := t.TempDir()
	t.Setenv("SPINLOCAL_GLOBAL_ROOT", root)
	if err := os.Symlink("/etc", filepath.Join(root, "etc")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"mkdir", "-p", "/global/../tmp/x"},
		{"chmod", "777", "/global/etc"},
		{"chown", "1:1", "/global/etc/passwd"},
		{"ls", "/global/etc"},
		{"mkdir", "/tmp/x"},
	} {
		_, err := gpfsRun(t, args...)
		if err == nil || !strings.Contains(err.Error(), args[len(args)-1]) {
			t.Errorf("gpfs %v: %v, want a refusal naming the path", args, err)
		}
	}
	if _, err := gpfsRun(t, "chmod", "o+x"); err == nil ||
		!strings.Contains(err.Error(), "usage") {
		t.Errorf("missing argument: %v", err)
	}
}
