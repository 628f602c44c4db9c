package emulator

import (
	"fmt"
	"strings"
)

// validStackName applies Cattle's stack-name rule: letters, digits and '-', 1 to 63
// characters, not starting or ending with '-'.
func validStackName(n string) error {
	if n == "" || len(n) > 63 || strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-") {
		return invalid("InvalidCharacters", "name", fmt.Sprintf("stack name %q must be 1-63 "+
			"letters, digits or '-', and must not start or end with '-'", n))
	}
	for _, r := range n {
		if !isAlnum(r) && r != '-' {
			return invalid("InvalidCharacters", "name", fmt.Sprintf(
				"stack name %q may hold only letters, digits and '-'", n))
		}
	}
	return nil
}

// validServiceName applies Cattle's service-name rule: a letter or digit first, then letters,
// digits and '-', no "--", not ending in '-', at most 63 characters.
func validServiceName(n string) error {
	bad := n == "" || len(n) > 63 || !isAlnum(rune(n[0])) || strings.HasSuffix(n, "-") ||
		strings.Contains(n, "--")
	for _, r := range n {
		if !isAlnum(r) && r != '-' {
			bad = true
		}
	}
	if bad {
		return invalid("InvalidCharacters", "name", fmt.Sprintf("service name %q must start "+
			"with a letter or digit, hold only letters, digits and single '-', not end in "+
			"'-', and be at most 63 characters", n))
	}
	return nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// containerName is Cattle's name for a unit member: <stack>-<service>[-<sidekick>]-<n>.
func containerName(stack, service, sidekick string, n int) string {
	if sidekick != "" {
		return fmt.Sprintf("%s-%s-%s-%d", stack, service, sidekick, n)
	}
	return fmt.Sprintf("%s-%s-%d", stack, service, n)
}

// lowestFree returns the smallest positive integer not in used.
func lowestFree(used map[int]bool) int {
	for n := 1; ; n++ {
		if !used[n] {
			return n
		}
	}
}
