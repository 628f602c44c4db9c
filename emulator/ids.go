package emulator

import (
	"fmt"
	"strings"
)

// Id prefixes, as Cattle formats them: "1" + short type code + a number.
const (
	prefixStack     = "st"
	prefixService   = "s"
	prefixContainer = "i"
	prefixLink      = "scm"
)

// formatID renders a Cattle id.
func formatID(prefix string, n uint64) string { return fmt.Sprintf("1%s%d", prefix, n) }

// hasPrefix reports whether id is a well-formed Cattle id with exactly this type prefix.
func hasPrefix(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, "1"+prefix)
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
