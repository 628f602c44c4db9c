package mounts

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestMkdirChownChmodListUnit(t *testing.T) {
	tr := Tree{Root: filepath.Join(t.TempDir(), "state", "global")}
	if err := tr.Mkdir("/global/cfs/x", false, 0o755); err == nil {
		t.Fatal("mkdir without -p made missing parents")
	}
	old := syscall.Umask(0o077)
	err := tr.Mkdir("/global/cfs/cdirs/m1", true, 0o751)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Mkdir("/global/cfs/cdirs/m1", true, 0o751); err != nil {
		t.Errorf("mkdir -p of an existing directory: %v", err)
	}
	if err := tr.Mkdir("/global/cfs/cdirs/m1", false, 0o751); err == nil {
		t.Error("mkdir of an existing directory succeeded")
	}
	// Like mkdir -p -m: the mode is the named directory's; parents get 0755.
	for p, want := range map[string]os.FileMode{"": 0o755, "cfs": 0o755,
		"cfs/cdirs": 0o755, "cfs/cdirs/m1": 0o751} {
		st, err := os.Stat(filepath.Join(tr.Root, p))
		if err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v despite the umask", p, st.Mode(), err, want)
		}
	}
	if err := tr.Chmod("/global/cfs/cdirs/m1", "g-x,o=rx"); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		if err := tr.Chown("/global/cfs/cdirs/m1", 10001, 71234); err != nil {
			t.Fatal(err)
		}
	}
	list, err := tr.List("/global/cfs/cdirs", false)
	if err != nil || len(list) != 1 || list[0].Name != "m1" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if got := LongMode(list[0].Mode); got != "drwxr--r-x" {
		t.Errorf("mode %s", got)
	}
	if os.Getuid() == 0 && (list[0].UID != 10001 || list[0].GID != 71234) {
		t.Errorf("owner %d:%d", list[0].UID, list[0].GID)
	}
	self, err := tr.List("/global/cfs/cdirs/m1/", true)
	if err != nil || len(self) != 1 || self[0].Name != "/global/cfs/cdirs/m1" {
		t.Errorf("List self = %+v, %v", self, err)
	}
	if _, err := tr.List("/global/nope", false); err == nil ||
		!strings.Contains(err.Error(), "/global/nope") ||
		strings.Contains(err.Error(), tr.Root) {
		t.Errorf("missing path: %v", err)
	}
	for _, bad := range []string{"/etc", "/global/../x"} {
		if err := tr.Chmod(bad, "755"); err == nil {
			t.Errorf("chmod %s allowed", bad)
		}
	}
}

func TestApplyModeUnit(t *testing.T) {
	tests := []struct {
		mode string
		cur  fs.FileMode
		want fs.FileMode
	}{
		{"755", 0, 0o755}, {"0700", 0o777, 0o700}, {"o+x", 0o770, 0o771},
		{"go-w", 0o777, 0o755}, {"u=rwx,g=rx,o=", 0o777, 0o750}, {"+x", 0o644, 0o755},
		{"a-rwx", 0o777, 0}, {"g+r,o+x", 0o700, 0o741},
	}
	for _, tt := range tests {
		got, err := ApplyMode(tt.mode, tt.cur)
		if err != nil || got != tt.want {
			t.Errorf("ApplyMode(%q, %o) = %o, %v; want %o", tt.mode, tt.cur, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1000", "8", "o", "z+x", "o+q", "rwx"} {
		if _, err := ApplyMode(bad, 0o755); err == nil {
			t.Errorf("ApplyMode(%q) accepted", bad)
		}
	}
}

func TestParseOwnerUnit(t *testing.T) {
	tests := []struct {
		in       string
		uid, gid int
	}{{"10001", 10001, -1}, {"10001:71234", 10001, 71234}, {":5", -1, 5}, {"0:0", 0, 0}}
	for _, tt := range tests {
		uid, gid, err := ParseOwner(tt.in)
		if err != nil || uid != tt.uid || gid != tt.gid {
			t.Errorf("ParseOwner(%q) = %d %d %v", tt.in, uid, gid, err)
		}
	}
	for _, bad := range []string{"", ":", "elvis", "1:x", "-1", "1:2:3"} {
		if _, _, err := ParseOwner(bad); err == nil {
			t.Errorf("ParseOwner(%q) accepted", bad)
		}
	}
}
