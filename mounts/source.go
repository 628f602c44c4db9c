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

// SearchError is Spin's failure when a directory on the way to a mount source lacks the
// other-execute bit: the root-squashed Docker daemon cannot see the source, tries to create
// it and is refused. Error gives the daemon's own words, as the Spin guide shows them.
type SearchError struct {
	Path string // the mount source as written (/global/...)
	Dir  string // the first directory without o+x, as a /global path
}

func (e *SearchError) Error() string {
	return fmt.Sprintf("error while creating mount source path '%s': mkdir %s: permission "+
		"denied", e.Path, e.Path)
}

// MissingError refuses a mount source that does not exist: GPFS paths are never created
// for a container.
type MissingError struct {
	Path string // the mount source as written (/global/...)
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("mount source %s does not exist in the local /global tree, and GPFS "+
		"paths are not created for containers; create it first, e.g. `spinlocal gpfs mkdir "+
		"-p %s`", e.Path, path.Clean(e.Path))
}

// Source checks a bind-mount source under /global as Spin's Docker daemon met it and
// returns the local path to bind. Every directory from the root of the tree down to the
// source's parent must be searchable by others (o+x), along the path as written and along
// its symlink-free resolution; the source itself must exist.
func (t Tree) Source(global string) (string, error) {
	local, err := t.Resolve(global)
	if err != nil {
		return "", err
	}
	root, err := t.realRoot()
	if err != nil {
		return "", err
	}
	clean := path.Clean(global)
	rel := strings.TrimPrefix(clean, Prefix)
	written := filepath.Join(root, filepath.FromSlash(rel))
	for _, p := range [2]string{written, local} {
		if err := searchable(root, p, global); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(local); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", &MissingError{Path: global}
		}
		return "", fmt.Errorf("mount source %s: %w", global, err)
	}
	return local, nil
}

// searchable walks the directories from root to the parent of p (p below root) and
// refuses the first one that exists and lacks o+x. A missing one ends the walk: the
// existence check that follows reports it.
func searchable(root, p, global string) error {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." {
		return err
	}
	dir := root
	parts := strings.Split(rel, string(filepath.Separator))
	for i := 0; ; i++ {
		st, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mount source %s: %w", global, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("mount source %s: %s is not a directory", global,
				globalPath(parts[:i]))
		}
		if st.Mode().Perm()&0o001 == 0 {
			return &SearchError{Path: global, Dir: globalPath(parts[:i])}
		}
		if i == len(parts)-1 {
			return nil
		}
		dir = filepath.Join(dir, parts[i])
	}
}

// globalPath names a directory of the tree by its /global path.
func globalPath(parts []string) string {
	return path.Join(append([]string{Prefix}, parts...)...)
}
