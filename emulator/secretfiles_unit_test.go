package emulator

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// syncBuffer collects log output from concurrent tasks.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// loggedEmu is newEmu with the daemon log kept, and its secret files removed at the end.
func loggedEmu(t *testing.T) (*Emulator, *fakeEngine, *syncBuffer) {
	t.Helper()
	eng, logs := newFakeEngine(), &syncBuffer{}
	e, err := Open(Config{StateDir: t.TempDir(), Engine: eng, Policy: auditOff(),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{
			Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.Close()
		if dir, err := SecretFilesDir(e.DaemonID()); err == nil {
			_ = os.RemoveAll(filepath.Dir(dir))
		}
	})
	return e, eng, logs
}

// fileInfo returns owner, group and permissions of p.
func fileInfo(t *testing.T, p string) (int, int, fs.FileMode) {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return int(sys.Uid), int(sys.Gid), st.Mode().Perm()
}

func TestSecretFilesParseUnit(t *testing.T) {
	files, err := secretFiles([]any{
		map[string]any{"secretId": "1se1", "name": "db_password", "uid": "10001",
			"gid": float64(71234), "mode": "400"},
		map[string]any{"secretId": "1se2"},
		map[string]any{"secretId": "1se3", "mode": "0640", "uid": ""},
	})
	want := []secretFile{{"1se1", "db_password", 10001, 71234, 0o400},
		{"1se2", "", 0, 0, 0o444}, {"1se3", "", 0, 0, 0o640}}
	if err != nil || len(files) != len(want) {
		t.Fatalf("secretFiles = %+v, %v", files, err)
	}
	for i := range want {
		if files[i] != want[i] {
			t.Errorf("file %d = %+v, want %+v", i, files[i], want[i])
		}
	}
	for _, bad := range []map[string]any{{"name": "x"}, {"secretId": "1se1", "name": "a/b"},
		{"secretId": "1se1", "name": ".."}, {"secretId": "1se1", "uid": "root"},
		{"secretId": "1se1", "gid": "-1"}, {"secretId": "1se1", "mode": "999"},
		{"secretId": "1se1", "mode": "1777"}} {
		if _, err := secretFiles([]any{bad}); err == nil {
			t.Errorf("secretFiles(%v) accepted", bad)
		}
	}
	if files, err := secretFiles(nil); err != nil || files != nil {
		t.Errorf("no secrets: %v %v", files, err)
	}
}

func TestSecretFilesWrittenAndSweptUnit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown the files")
	}
	e, eng, logs := loggedEmu(t)
	const value, other = "pa55-for-the-db\n", "shared-key"
	db := mustSecret(t, e, "alice", "web.demo.db_password", value)
	key := mustSecret(t, e, "alice", "demo.key", other)
	st := mustStack(t, e, "demo")
	scale := 1
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: "web", StackID: st.ID,
		Scale: &scale, LaunchConfig: map[string]any{"imageUuid": "docker:nginx:1.25",
			"secrets": []any{map[string]any{"secretId": db.ID, "name": "db_password",
				"uid": "10001", "gid": "71234", "mode": "400"},
				map[string]any{"secretId": key.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	mustAction(t, e, svc.ID, "activate")
	passes(t, e, 2)
	if s := getService(t, e, svc.ID); s.State != "active" {
		t.Fatalf("service %s: %s", s.State, s.TransitioningMessage)
	}
	dir := eng.byName("demo-web-1").spec.SecretsDir
	base, err := SecretFilesDir(e.DaemonID())
	if err != nil || filepath.Dir(dir) != base {
		t.Fatalf("secrets dir %q, base %q (%v)", dir, base, err)
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(dir, &sfs); err != nil || sfs.Type != unix.TMPFS_MAGIC {
		t.Fatalf("secret files are not on a tmpfs: %v", err)
	}
	for p, want := range map[string]fs.FileMode{filepath.Dir(base): 0o700, base: 0o700,
		dir: 0o755} {
		if uid, _, mode := fileInfo(t, p); uid != os.Geteuid() || mode != want {
			t.Errorf("%s: uid %d mode %o, want the daemon's and %o", p, uid, mode, want)
		}
	}
	for name, want := range map[string][4]any{"db_password": {10001, 71234,
		fs.FileMode(0o400), value}, "demo.key": {0, 0, fs.FileMode(0o444), other}} {
		p := filepath.Join(dir, name)
		uid, gid, mode := fileInfo(t, p)
		raw, _ := os.ReadFile(p)
		if got := [4]any{uid, gid, mode, string(raw)}; got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if strings.Contains(logs.String(), strings.TrimSpace(value)) {
		t.Errorf("the daemon log holds a secret value:\n%s", logs)
	}

	if _, err := e.RemoveService(alice, testPID, svc.ID); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("secret files of a removed container remain: %v", err)
	}
}

func TestSecretFilesUnprivilegedFallbackUnit(t *testing.T) {
	e, eng, logs := loggedEmu(t)
	chownFile = func(p string, _, _ int) error {
		return &fs.PathError{Op: "chown", Path: p, Err: syscall.EPERM}
	}
	t.Cleanup(func() { chownFile = os.Chown })
	const value = "do-not-log-me"
	s := mustSecret(t, e, "alice", "web.demo.token", value)
	svc := globalService(t, e, "web", map[string]any{"secrets": []any{map[string]any{
		"secretId": s.ID, "name": "token", "uid": "10001", "mode": "400"}}})
	if svc.State != "active" {
		t.Fatalf("service %s: %s", svc.State, svc.TransitioningMessage)
	}
	p := filepath.Join(eng.byName("gweb-web-1").spec.SecretsDir, "token")
	if _, _, mode := fileInfo(t, p); mode != 0o444 {
		t.Errorf("fallback mode %o, want 444", mode)
	}
	out := logs.String()
	if !strings.Contains(out, "world-readable") || !strings.Contains(out, "secret=token") ||
		strings.Contains(out, value) {
		t.Errorf("warning missing, or it shows the value:\n%s", out)
	}
}

func TestSecretFilesRefusalsUnit(t *testing.T) {
	e, eng, _ := loggedEmu(t)
	s := mustSecret(t, e, "alice", "web.demo.token", "v")
	ref := func(extra map[string]any) map[string]any {
		m := map[string]any{"secretId": s.ID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	svc := globalService(t, e, "dup", map[string]any{"secrets": []any{
		ref(map[string]any{"name": "a"}), ref(map[string]any{"name": "a"})}})
	failedWith(t, e, svc, "two secrets as /run/secrets/a")
	svc = globalService(t, e, "gone", map[string]any{"secrets": []any{
		map[string]any{"secretId": "1se999"}}})
	failedWith(t, e, svc, "refers to secret 1se999, which does not exist")
	other, err := e.CreateSecret(alice, "1a1221788", "x.y", b64("sandbox"), "")
	if err != nil {
		t.Fatal(err)
	}
	svc = globalService(t, e, "foreign", map[string]any{"secrets": []any{
		map[string]any{"secretId": other.ID}}})
	failedWith(t, e, svc, "does not exist in this environment")

	runtimeDirs = func() []string { return []string{t.TempDir()} }
	t.Cleanup(func() { runtimeDirs = defaultRuntimeDirs })
	var sfs unix.Statfs_t
	if err := unix.Statfs(runtimeDirs()[0], &sfs); err == nil && sfs.Type == unix.TMPFS_MAGIC {
		t.Skip("the temp dir is a tmpfs")
	}
	svc = globalService(t, e, "notmpfs", map[string]any{"secrets": []any{ref(nil)}})
	failedWith(t, e, svc, "never writes secret values to disk")
	if len(eng.callsWith("create")) != 0 {
		t.Errorf("engine creates: %v", eng.callsWith("create"))
	}
}

func TestSecretFilesPreferTheRuntimeDirUnit(t *testing.T) {
	shm := filepath.Join("/dev/shm", "spinlocal-test-"+randomHex(4))
	var sfs unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &sfs); err != nil || sfs.Type != unix.TMPFS_MAGIC {
		t.Skip("/dev/shm is not a tmpfs")
	}
	if err := os.Mkdir(shm, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(shm) })
	t.Setenv("XDG_RUNTIME_DIR", shm)
	if got, err := SecretFilesDir("abc"); err != nil ||
		got != filepath.Join(shm, "spinlocal-abc", "secrets") {
		t.Errorf("with a tmpfs runtime dir: %q, %v", got, err)
	}
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if err := unix.Statfs(os.Getenv("XDG_RUNTIME_DIR"), &sfs); err == nil &&
		sfs.Type == unix.TMPFS_MAGIC {
		t.Skip("the temp dir is a tmpfs")
	}
	if got, err := SecretFilesDir("abc"); err != nil ||
		got != "/dev/shm/spinlocal-abc/secrets" {
		t.Errorf("with a runtime dir on disk: %q, %v", got, err)
	}
}
