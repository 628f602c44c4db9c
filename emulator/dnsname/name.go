// Package dnsname holds the rules for the public DNS names Spin gives services that
// publish ports: <service>.<stack>.<environment>.<suffix>, where the suffix on Spin is
// stable.spin.nersc.org, and the loopback twin <service>.<stack>.<environment>.localhost.
package dnsname

import (
	"slices"
	"strings"
)

const (
	// Suffix is the zone Spin registers public service names under.
	Suffix = "stable.spin.nersc.org"
	// Localhost is the zone of the twin names, which most resolvers send to loopback.
	Localhost = "localhost"
)

// Parts names one service: the labels before the zone, lower-cased.
type Parts struct {
	Service, Stack, Env string
}

// Public returns the public name of a service under a zone, lower-cased and without the
// trailing dot: web.mystack.dev-cattle.stable.spin.nersc.org.
func Public(service, stack, env, zone string) string {
	return strings.ToLower(service + "." + stack + "." + env + "." + Zone(zone))
}

// Zone normalises a zone name: lower case, no leading or trailing dots.
func Zone(zone string) string {
	return strings.ToLower(strings.Trim(zone, "."))
}

// Split matches a query name against a zone. inZone reports whether the name is the zone
// or lies below it; ok whether it has exactly the three labels of a service name.
func Split(qname, zone string) (p Parts, inZone, ok bool) {
	name := strings.ToLower(strings.TrimSuffix(qname, "."))
	zone = Zone(zone)
	if name == zone {
		return Parts{}, true, false
	}
	rest, found := strings.CutSuffix(name, "."+zone)
	if !found || zone == "" {
		return Parts{}, false, false
	}
	labels := strings.Split(rest, ".")
	if len(labels) != 3 || slices.Contains(labels, "") {
		return Parts{}, true, false
	}
	return Parts{Service: labels[0], Stack: labels[1], Env: labels[2]}, true, true
}
