package emulator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Where secret files live: <runtime dir>/spinlocal-<daemon id>/secrets/<container id>/,
// the runtime dir being $XDG_RUNTIME_DIR when it is a tmpfs, else /dev/shm when that is
// one. The two levels above the containers' directories are private to the daemon (0700),
// which keeps other users of the machine out; a container's own directory is 0755 so that
// any user in the container can reach the files its mode lets it read.

// runtimeDirs lists the candidate places, in order of preference; tests replace it.
var runtimeDirs = defaultRuntimeDirs

func defaultRuntimeDirs() []string {
	var dirs []string
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, "/dev/shm")
}

// errNoTmpfs refuses to write secret values when no tmpfs is at hand.
var errNoTmpfs = errors.New("no tmpfs to hold secret files: neither $XDG_RUNTIME_DIR nor " +
	"/dev/shm is a tmpfs, and spinlocal never writes secret values to disk; mount a tmpfs " +
	"at /dev/shm or point XDG_RUNTIME_DIR at one")

// SecretFilesDir is the tmpfs directory that holds the secret files of a daemon's
// containers, one subdirectory per container.
func SecretFilesDir(daemonID string) (string, error) {
	for _, d := range runtimeDirs() {
		var st unix.Statfs_t
		if err := unix.Statfs(d, &st); err == nil && st.Type == unix.TMPFS_MAGIC {
			return filepath.Join(d, "spinlocal-"+daemonID, "secrets"), nil
		}
	}
	return "", errNoTmpfs
}

// newSecretDir makes an empty directory for container cid's secret files.
func (e *Emulator) newSecretDir(cid string) (string, error) {
	base, err := SecretFilesDir(e.daemonID)
	if err != nil {
		return "", err
	}
	for _, d := range []string{filepath.Dir(base), base} {
		if err := privateDir(d); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(base, cid)
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("clear secret files of %s: %w", cid, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("secret files of %s: %w", cid, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("secret files of %s: %w", cid, err)
	}
	return dir, nil
}

// privateDir makes p a directory of the daemon's with mode 0700, and refuses one that
// someone else made or that is a symlink (the runtime dir may be world-writable).
func privateDir(p string) error {
	if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("secret files: %w", err)
	}
	st, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("secret files: %w", err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok || int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("secret files: %s is not a directory of this daemon's user; "+
			"remove it", p)
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(p, 0o700); err != nil {
			return fmt.Errorf("secret files: %w", err)
		}
	}
	return nil
}

// sweepSecretFiles removes the secret files of containers that are removed or unknown.
// It runs at the end of every reconciler pass, so it also catches containers that went
// away behind the daemon's back or while it was down.
func (e *Emulator) sweepSecretFiles() {
	base, err := SecretFilesDir(e.daemonID)
	if err != nil {
		return
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			e.log.Warn("cannot list secret files", "dir", base, "err", err)
		}
		return
	}
	var gone []string
	e.mu.Lock()
	for _, de := range entries {
		c, ok := e.containers[de.Name()]
		if !ok || c.Removed != nil || c.State == "removed" {
			gone = append(gone, de.Name())
		}
	}
	e.mu.Unlock()
	for _, id := range gone {
		if err := os.RemoveAll(filepath.Join(base, id)); err != nil {
			e.log.Warn("cannot remove secret files", "container", id, "err", err)
		}
	}
}
