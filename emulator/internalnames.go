package emulator

import (
	"net/netip"
	"slices"
	"strings"
)

// Rancher's internal names for external and alias services (cattle-semantics 6). Cattle's
// DNS server answered them; Docker's embedded DNS knows only containers, so spinlocal
// writes these names into every container's /etc/hosts (hostsfiles.go) and rewrites the
// file whenever an answer changes, which reaches containers made before the service was.

// internalEntries lists the names, besides Docker's own, that container c resolves
// through its hosts file: each external and alias service of its environment as
// service.stack and service.stack.rancher.internal (and by its bare name within its
// stack), and the link aliases of c's service that point at such services.
// Callers hold e.mu.
func (e *Emulator) internalEntries(c *Container) []hostsEntry {
	var out []hostsEntry
	for _, svc := range sortedValues(e.services) {
		stack, ok := e.stacks[svc.StackID]
		if !ok || svc.AccountID != c.AccountID || !answersByName(svc) {
			continue
		}
		fq := strings.ToLower(svc.Name + "." + stack.Name)
		names := []string{fq, fq + ".rancher.internal"}
		if svc.StackID == c.StackID {
			names = append([]string{strings.ToLower(svc.Name)}, names...)
		}
		out = appendEntries(out, e.serviceAddrs(svc, map[string]bool{}), names)
	}
	own, ok := e.services[c.ServiceID]
	if !ok {
		return out
	}
	for _, l := range own.Links {
		target, ok := e.services[l.ServiceID]
		if !ok || !answersByName(target) ||
			(strings.EqualFold(l.Name, target.Name) && target.StackID == own.StackID) {
			// Links to services with containers are Docker links (linkAliases); a link
			// named like its target in the same stack adds no name.
			continue
		}
		stack, ok := e.stacks[target.StackID]
		if !ok {
			continue
		}
		alias := strings.ToLower(l.Name)
		names := []string{alias, alias + "." + strings.ToLower(stack.Name)}
		out = appendEntries(out, e.serviceAddrs(target, map[string]bool{}), names)
	}
	return out
}

func appendEntries(out []hostsEntry, addrs, names []string) []hostsEntry {
	for _, a := range addrs {
		out = append(out, hostsEntry{addr: a, names: names})
	}
	return out
}

// answersByName reports whether svc is an external or alias service whose names are
// served: Cattle answers for services that are up, not for stopped or removed ones.
func answersByName(svc *Service) bool {
	if svc.Type != KindExternal && svc.Type != KindAlias {
		return false
	}
	switch svc.State {
	case "inactive", "deactivating", "removing", "removed", "requested", "registering":
		return false
	}
	return svc.Removed == nil
}

// serviceAddrs is what a name of svc resolves to: an external service's IPs (or its
// hostname's addresses), the union of an alias service's targets, or the containers of a
// service. seen stops alias loops. Callers hold e.mu.
func (e *Emulator) serviceAddrs(svc *Service, seen map[string]bool) []string {
	if seen[svc.ID] {
		return nil
	}
	seen[svc.ID] = true
	switch svc.Type {
	case KindExternal:
		if ips := externalIPs(svc); len(ips) > 0 {
			return ips
		}
		return slices.Clone(e.lookups[externalHostname(svc)].addrs)
	case KindAlias:
		var out []string
		for _, l := range svc.Links {
			target, ok := e.services[l.ServiceID]
			if !ok || target.Removed != nil ||
				(target.Type == KindExternal || target.Type == KindAlias) &&
					!answersByName(target) {
				continue
			}
			for _, a := range e.serviceAddrs(target, seen) {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
		sortAddrs(out)
		return out
	}
	return e.containerAddrs(svc)
}

// containerAddrs returns the addresses of a service's running primaries, the healthy ones
// when there are any; else, like Cattle, one that is not healthy rather than nothing.
// Callers hold e.mu.
func (e *Emulator) containerAddrs(svc *Service) []string {
	var healthy, other []string
	for _, c := range e.liveContainers(svc.ID) {
		if c.LaunchConfig != "" || c.Retired || c.State != "running" || c.IPAddress == "" {
			continue
		}
		switch c.HealthState {
		case "", "healthy", "updating-healthy":
			healthy = append(healthy, c.IPAddress)
		default:
			other = append(other, c.IPAddress)
		}
	}
	if len(healthy) == 0 && len(other) > 0 {
		return other[:1]
	}
	sortAddrs(healthy)
	return healthy
}

// sortAddrs puts addresses in numeric order, which is the order of the hosts lines.
func sortAddrs(addrs []string) {
	slices.SortFunc(addrs, func(a, b string) int {
		x, errA := netip.ParseAddr(a)
		y, errB := netip.ParseAddr(b)
		if errA != nil || errB != nil {
			return strings.Compare(a, b)
		}
		return x.Compare(y)
	})
}
