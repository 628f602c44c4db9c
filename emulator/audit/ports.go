package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// portRange is an inclusive range of host ports.
type portRange struct{ lo, hi int }

// firewall holds Spin's pre-firewalled host ports from the final Rancher 1
// Reference Guide (spin-rules.md §10); the older lists are subsets of it.
// Ports 80 and 443 are open too, but only for the reverse proxy.
var firewall = []struct {
	who   string
	ports []portRange
}{
	{"open to all", []portRange{{8080, 8080}, {8443, 8443}, {60000, 60050}}},
	{"NERSC and LBL", []portRange{{3128, 3128}, {3306, 3306}, {4873, 4873}, {5432, 5432},
		{5984, 5984}, {8008, 8008}, {27017, 27017}, {55000, 55100}}},
	{"NERSC only", []portRange{{5672, 5672}, {8081, 8081}, {15672, 15672},
		{50000, 50050}}},
}

// allowedPorts renders the firewall lists for messages.
var allowedPorts = func() string {
	var groups []string
	for _, g := range firewall {
		var list []string
		for _, r := range g.ports {
			if r.lo == r.hi {
				list = append(list, strconv.Itoa(r.lo))
			} else {
				list = append(list, fmt.Sprintf("%d-%d", r.lo, r.hi))
			}
		}
		groups = append(groups, strings.Join(list, ", ")+" ("+g.who+")")
	}
	return strings.Join(groups, "; ")
}()

func firewalled(port int) bool {
	for _, g := range firewall {
		for _, r := range g.ports {
			if port >= r.lo && port <= r.hi {
				return true
			}
		}
	}
	return false
}

// checkPorts accepts published host ports from the firewall lists only.
// A port without a host part is published on a random host port, which no
// list opens.
func (c *checker) checkPorts(l launch) {
	for _, raw := range strList(l.lc, "ports") {
		lo, hi, err := hostPorts(raw)
		switch {
		case err != nil:
			c.add(rulePortNotAllowed, l.t, "ports", "%q: %v; allowed host ports: %s",
				raw, err, allowedPorts)
		case lo == 0:
			c.add(rulePortNotAllowed, l.t, "ports", "%q publishes on a random host port, "+
				"which no firewall list opens; allowed: HOST:CONTAINER with a host port "+
				"from %s", raw, allowedPorts)
		default:
			c.checkHostPorts(l, raw, lo, hi)
		}
	}
}

func (c *checker) checkHostPorts(l launch, raw string, lo, hi int) {
	for p := lo; p <= hi; p++ {
		switch {
		case p == 80 || p == 443:
			c.add(rulePortNotAllowed, l.t, "ports", "host port %d (%q) is kept for the Spin "+
				"reverse proxy; allowed: no ports: entry behind the proxy (NERSC staff set "+
				"it up on request), or a host port from %s", p, raw, allowedPorts)
			return
		case !firewalled(p):
			c.add(rulePortNotAllowed, l.t, "ports", "host port %d (%q) is not "+
				"pre-firewalled (other ports need a ticket); allowed: %s", p, raw,
				allowedPorts)
			return
		}
	}
}

// hostPorts reads the host side of a compose port: "C", "H:C", "IP:H:C",
// "IP::C" and ranges such as "H1-H2:C1-C2", each with an optional
// "/protocol". lo is 0 when no host port is given.
func hostPorts(raw string) (lo, hi int, err error) {
	s := strings.TrimSpace(raw)
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[:i]
	}
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return 0, 0, fmt.Errorf("unterminated IPv6 address")
		}
		s = strings.TrimPrefix(s[end+1:], ":") // "[::1]:H:C" becomes "H:C"
	}
	parts := strings.Split(s, ":")
	var host string
	switch len(parts) {
	case 1:
		return 0, 0, nil
	case 2:
		host = parts[0]
	case 3:
		host = parts[1]
	default:
		return 0, 0, fmt.Errorf("cannot read the port")
	}
	if host == "" {
		return 0, 0, nil
	}
	a, b, isRange := strings.Cut(host, "-")
	if lo, err = strconv.Atoi(a); err != nil {
		return 0, 0, fmt.Errorf("host port %q is not a number", host)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("host port range %q cannot be read", host)
		}
	}
	if lo < 1 || hi > 65535 {
		return 0, 0, fmt.Errorf("host port %q is outside 1-65535", host)
	}
	return lo, hi, nil
}
