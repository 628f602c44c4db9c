package mounts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Prefix is where GPFS appears on Spin's nodes.
const Prefix = "/global"

// DefaultRoot is the local tree used for /global when none is configured.
func DefaultRoot(stateDir string) string { return filepath.Join(stateDir, "global") }

// IsGlobal reports whether a bind-mount source is written as a /global path. The test is
// lexical on purpose: "/global/../etc" counts, so that its escape is refused rather than
// mounted as an ordinary host path.
func IsGlobal(src string) bool {
	return src == Prefix || strings.HasPrefix(src, Prefix+"/")
}

// Tree is the local directory that holds the emulated /global.
type Tree struct {
	// Root is the local directory /global maps to.
	Root string
}

// EscapeError refuses a /global path that leaves the tree through ".." or a symlink.
type EscapeError struct {
	Path string // the /global path as given
	Via  string // what took it out: ".." or the symlink's resolution
}

func (e *EscapeError) Error() string {
	return fmt.Sprintf("%s leaves the /global tree (through %s); spinlocal refuses paths "+
		"outside it", e.Path, e.Via)
}

// Resolve maps a /global path onto the tree. The part of the path that exists is resolved
// through its symlinks, and the result must stay inside the (resolved) root; the part that
// does not exist yet is appended as written, cleaned.
func (t Tree) Resolve(global string) (string, error) {
	if !IsGlobal(global) {
		return "", fmt.Errorf("%q is not a /global path: it must start with %s/", global,
			Prefix)
	}
	clean := path.Clean(global)
	if !IsGlobal(clean) {
		return "", &EscapeError{Path: global, Via: `".."`}
	}
	root, err := t.realRoot()
	if err != nil {
		return "", err
	}
	rel := strings.TrimPrefix(clean, Prefix)
	local, err := realPath(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", global, err)
	}
	if !within(root, local) {
		return "", &EscapeError{Path: global, Via: "a symlink to " + local}
	}
	return local, nil
}

// realRoot is the root made absolute, with the symlinks of its existing part resolved.
func (t Tree) realRoot() (string, error) {
	if t.Root == "" {
		return "", errors.New("no local root is configured for /global")
	}
	abs, err := filepath.Abs(t.Root)
	if err != nil {
		return "", fmt.Errorf("local root of /global: %w", err)
	}
	root, err := realPath(abs)
	if err != nil {
		return "", fmt.Errorf("local root of /global %s: %w", abs, err)
	}
	return root, nil
}

// realPath resolves the symlinks of the longest existing prefix of an absolute, clean path
// and appends the rest unchanged.
func realPath(p string) (string, error) {
	existing, rest := p, ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", err
	}
	return filepath.Join(real, rest), nil
}

// within reports whether p is root or below it; both are absolute and clean.
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, strings.TrimSuffix(root, "/")+"/")
}
