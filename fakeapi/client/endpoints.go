package client

import (
	"net"
	"strconv"
)

// Endpoint is one port a service publishes on the host.
type Endpoint struct {
	IP   string // the bind address the daemon reports, e.g. 127.0.0.1
	Port int
}

// Host is the address a client on this machine dials: the bind address, or loopback when
// the port is bound to every address.
func (e Endpoint) Host() string {
	switch e.IP {
	case "", "0.0.0.0", "::":
		return "127.0.0.1"
	}
	return e.IP
}

// HostPort is Host and Port joined, with brackets around an IPv6 address.
func (e Endpoint) HostPort() string {
	return net.JoinHostPort(e.Host(), strconv.Itoa(e.Port))
}

// URL is the plain-HTTP address of the endpoint, without a trailing slash.
func (e Endpoint) URL() string { return "http://" + e.HostPort() }

// Endpoints reads a service's publicEndpoints in the daemon's order (containers, then the
// ports of each launch config), each address once.
func Endpoints(svc Resource) []Endpoint {
	raw, _ := svc["publicEndpoints"].([]any)
	var out []Endpoint
	seen := map[Endpoint]bool{}
	for _, item := range raw {
		m, _ := item.(map[string]any)
		ip, _ := m["ipAddress"].(string)
		e := Endpoint{IP: ip, Port: portNumber(m["port"])}
		if e.Port <= 0 || seen[e] {
			continue
		}
		seen[e] = true
		out = append(out, e)
	}
	return out
}

// portNumber reads a port that JSON gave as a number or a string.
func portNumber(v any) int {
	switch p := v.(type) {
	case float64:
		return int(p)
	case string:
		n, _ := strconv.Atoi(p)
		return n
	}
	return 0
}
