package audit

import (
	"slices"
	"strings"
)

// Spin's capability table (spin-rules.md §6): what cap_add may name, and
// the subset left when the container mounts the Global Filesystem.
var (
	capsAllowed = []string{"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID",
		"NET_BIND_SERVICE"}
	capsAllowedWithGlobal = []string{"NET_BIND_SERVICE"}
)

func (c *checker) checkCaps(l launch, global []mount) {
	drops := strList(l.lc, "capDrop")
	if !slices.Contains(normCaps(drops), "ALL") {
		what := "is missing"
		if len(drops) > 0 {
			what = "[" + strings.Join(drops, ", ") + "] does not include ALL"
		}
		c.add(ruleCapDropAll, l.t, "cap_drop", "%s; allowed: cap_drop: [ALL], then cap_add "+
			"of only what the service needs from %s", what, strings.Join(capsAllowed, ", "))
	}

	for _, capName := range strList(l.lc, "capAdd") {
		n := normCap(capName)
		switch {
		case len(global) > 0 && !slices.Contains(capsAllowedWithGlobal, n):
			c.add(ruleCapNotAllowed, l.t, "cap_add", "%s is not allowed in a container that "+
				"mounts the Global Filesystem (%s); allowed: %s", capName, global[0].src,
				strings.Join(capsAllowedWithGlobal, ", "))
		case !slices.Contains(capsAllowed, n):
			c.add(ruleCapNotAllowed, l.t, "cap_add", "%s is not allowed; allowed: %s "+
				"(only NET_BIND_SERVICE when /global is mounted)", capName,
				strings.Join(capsAllowed, ", "))
		}
	}
}

// normCap accepts the spellings Docker accepts: any case, CAP_ prefix or not.
func normCap(s string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "CAP_")
}

func normCaps(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = normCap(s)
	}
	return out
}
