// Package mounts stands in for the NERSC Global Filesystem (GPFS) on a laptop. Host paths
// under /global/ map onto a local directory tree (by default <state dir>/global); the
// package resolves such paths without letting ".." or symlinks leave the tree, checks a
// bind-mount source the way Spin's Docker daemon experienced it (other-execute on every
// directory down to it, no auto-creation), names the capabilities Spin withholds from
// containers that mount /global, and offers the file operations that `spinlocal gpfs`
// uses to prepare the tree.
package mounts
