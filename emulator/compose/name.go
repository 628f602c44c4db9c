package compose

import "strings"

// NormalizeStackName turns s into a stack name the way the Rancher CLI
// does: lower-case, every character outside [a-z0-9-] replaced by '-', and
// an 'x' in front when the original starts with '-', '_' or '.'.
func NormalizeStackName(s string) string {
	var b strings.Builder
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "_") || strings.HasPrefix(s, ".") {
		b.WriteByte('x')
	}
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
