package dnsname

import "strings"

// Publishes reports whether a launch config binds a host port: an entry of "ports" with a
// host part (HOST:CONTAINER or IP:HOST:CONTAINER, HOST possibly empty for a random port).
// A bare container port is only exposed on the network and earns no public name.
func Publishes(lc map[string]any) bool {
	raw, _ := lc["ports"].([]any)
	for _, r := range raw {
		s, _ := r.(string)
		s, _, _ = strings.Cut(s, "/")
		if strings.Contains(s, ":") {
			return true
		}
	}
	return false
}
