package mounts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Mkdir creates the directory a /global path names with the given permissions, applied
// exactly (the umask does not narrow them). With parents, missing directories on the way,
// the tree's root included, are created 0755 (as mkdir -p does, so they keep o+x) and an
// existing directory is no error.
func (t Tree) Mkdir(global string, parents bool, perm fs.FileMode) error {
	local, err := t.Resolve(global)
	if err != nil {
		return err
	}
	root, err := t.realRoot()
	if err != nil {
		return err
	}
	if !parents {
		if err := os.Mkdir(local, perm); err != nil {
			return fmt.Errorf("mkdir %s: %w", global, unwrapPath(err))
		}
		return chmod(global, local, perm)
	}
	var missing []string
	for p := local; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("mkdir %s: %s is not a directory", global, p)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("mkdir %s: %w", global, err)
		}
		missing = append(missing, p)
		if p == root {
			// The state dir above the root is the daemon's: private, like the daemon
			// makes it.
			if err := os.MkdirAll(filepath.Dir(root), 0o700); err != nil {
				return fmt.Errorf("create the local root of /global: %w", err)
			}
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		mode := fs.FileMode(0o755)
		if i == 0 {
			mode = perm
		}
		if err := os.Mkdir(missing[i], mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("mkdir %s: %w", global, unwrapPath(err))
		}
		if err := chmod(global, missing[i], mode); err != nil {
			return err
		}
	}
	return nil
}

// Chown sets the numeric owner and group of a /global path; a negative id is left as is.
func (t Tree) Chown(global string, uid, gid int) error {
	local, err := t.Resolve(global)
	if err != nil {
		return err
	}
	if err := os.Chown(local, uid, gid); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("chown %s: %w (changing owners needs root: run it with sudo)",
				global, unwrapPath(err))
		}
		return fmt.Errorf("chown %s: %w", global, unwrapPath(err))
	}
	return nil
}

// Chmod changes the permissions of a /global path by an octal or symbolic mode.
func (t Tree) Chmod(global, mode string) error {
	local, err := t.Resolve(global)
	if err != nil {
		return err
	}
	st, err := os.Stat(local)
	if err != nil {
		return fmt.Errorf("chmod %s: %w", global, unwrapPath(err))
	}
	perm, err := ApplyMode(mode, st.Mode().Perm())
	if err != nil {
		return err
	}
	return chmod(global, local, perm)
}

func chmod(global, local string, perm fs.FileMode) error {
	if err := os.Chmod(local, perm); err != nil {
		return fmt.Errorf("chmod %s: %w", global, unwrapPath(err))
	}
	return nil
}

// Entry is one file of a listing.
type Entry struct {
	Name    string // the /global path for the listed path itself, else the base name
	Mode    fs.FileMode
	UID     int
	GID     int
	Size    int64
	ModTime time.Time
}

// List describes a /global path: the entries of a directory, sorted by name, or the path
// itself when it is not a directory (or when self is set).
func (t Tree) List(global string, self bool) ([]Entry, error) {
	local, err := t.Resolve(global)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(local)
	if err != nil {
		return nil, fmt.Errorf("ls %s: %w", global, unwrapPath(err))
	}
	if self || !st.IsDir() {
		return []Entry{entryOf(path.Clean(global), st)}, nil
	}
	des, err := os.ReadDir(local)
	if err != nil {
		return nil, fmt.Errorf("ls %s: %w", global, unwrapPath(err))
	}
	out := make([]Entry, 0, len(des))
	for _, de := range des {
		info, err := de.Info()
		if err != nil {
			continue // removed while listing
		}
		out = append(out, entryOf(de.Name(), info))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func entryOf(name string, st fs.FileInfo) Entry {
	e := Entry{Name: name, Mode: st.Mode(), Size: st.Size(), ModTime: st.ModTime()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		e.UID, e.GID = int(sys.Uid), int(sys.Gid)
	}
	return e
}

// LongMode renders permissions as ls -l does, with the setuid, setgid and sticky letters.
func LongMode(m fs.FileMode) string {
	b := []byte(m.Perm().String())
	b[0] = '-'
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	}
	special := func(i int, set bool, lower, upper byte) {
		if !set {
			return
		}
		if b[i] == 'x' {
			b[i] = lower
		} else {
			b[i] = upper
		}
	}
	special(3, m&fs.ModeSetuid != 0, 's', 'S')
	special(6, m&fs.ModeSetgid != 0, 's', 'S')
	special(9, m&fs.ModeSticky != 0, 't', 'T')
	return string(b)
}

// unwrapPath drops the local path from an *fs.PathError, so messages name /global paths.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseOwner reads UID[:GID] (numeric); a part left out is -1, meaning unchanged.
func ParseOwner(s string) (uid, gid int, err error) {
	u, g, hasGroup := strings.Cut(s, ":")
	uid, gid = -1, -1
	if u != "" {
		if uid, err = nonNegative(u); err != nil {
			return 0, 0, fmt.Errorf("owner %q: %w", s, err)
		}
	}
	if hasGroup && g != "" {
		if gid, err = nonNegative(g); err != nil {
			return 0, 0, fmt.Errorf("owner %q: %w", s, err)
		}
	}
	if uid < 0 && gid < 0 {
		return 0, 0, fmt.Errorf("owner %q: want UID[:GID], numeric", s)
	}
	return uid, gid, nil
}

func nonNegative(s string) (int, error) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1<<30 {
			return 0, fmt.Errorf("%q is not a numeric id", s)
		}
		n = n*10 + int(r-'0')
	}
	if s == "" {
		return 0, errors.New("empty id")
	}
	return n, nil
}
