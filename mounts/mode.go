package mounts

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// ApplyMode computes new permissions from a chmod mode: octal ("750", "0750") or symbolic
// clauses separated by commas ("o+x", "u=rwx,g=rx,o="), applied to cur. Who letters are
// u, g, o and a (none means a); permissions are r, w and x.
func ApplyMode(mode string, cur fs.FileMode) (fs.FileMode, error) {
	if mode == "" {
		return 0, fmt.Errorf("mode is empty: want octal (e.g. 750) or symbolic (e.g. o+x)")
	}
	if mode[0] >= '0' && mode[0] <= '7' {
		n, err := strconv.ParseUint(mode, 8, 32)
		if err != nil || n > 0o777 {
			return 0, fmt.Errorf("mode %q: want octal permissions from 0 to 777", mode)
		}
		return fs.FileMode(n), nil
	}
	perm := cur.Perm()
	for _, clause := range strings.Split(mode, ",") {
		next, err := applyClause(clause, perm)
		if err != nil {
			return 0, fmt.Errorf("mode %q: %w", mode, err)
		}
		perm = next
	}
	return perm, nil
}

// applyClause applies one symbolic clause, e.g. "go-w".
func applyClause(clause string, perm fs.FileMode) (fs.FileMode, error) {
	i := strings.IndexAny(clause, "+-=")
	if i < 0 {
		return 0, fmt.Errorf("clause %q has no +, - or =", clause)
	}
	var who fs.FileMode
	for _, r := range clause[:i] {
		switch r {
		case 'u':
			who |= 0o700
		case 'g':
			who |= 0o070
		case 'o':
			who |= 0o007
		case 'a':
			who |= 0o777
		default:
			return 0, fmt.Errorf("clause %q: %q is not one of u, g, o, a", clause, r)
		}
	}
	if who == 0 {
		who = 0o777
	}
	var bits fs.FileMode
	for _, r := range clause[i+1:] {
		switch r {
		case 'r':
			bits |= 0o444
		case 'w':
			bits |= 0o222
		case 'x':
			bits |= 0o111
		default:
			return 0, fmt.Errorf("clause %q: %q is not one of r, w, x", clause, r)
		}
	}
	bits &= who
	switch clause[i] {
	case '+':
		return perm | bits, nil
	case '-':
		return perm &^ bits, nil
	}
	return perm&^who | bits, nil
}
