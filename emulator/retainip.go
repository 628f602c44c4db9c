package emulator

import (
	"fmt"
	"net/netip"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// retain_ip (cattle-semantics 4.7): each unit member of a service with retainIp keeps its
// address when its container is replaced (an upgrade, a health recreate, a removal by
// hand). Cattle's own IPAM reserved the address; here the daemon picks it from the upper
// half of the environment network's fixed subnet, which Docker never hands out by itself,
// writes it in the service record, and creates every container of that member with it.

// memberKey names one member of a unit in Service.RetainedIPs: the unit's number, then
// "/" and the sidekick's name for a sidekick.
func memberKey(c *Container) string {
	if c.LaunchConfig == "" {
		return fmt.Sprint(c.ServiceIndex)
	}
	return fmt.Sprintf("%d/%s", c.ServiceIndex, c.LaunchConfig)
}

// assignAddress gives the spec of a retainIp member its kept address, choosing one the
// first time. Members that do not join the environment network, and networks made by an
// older spinlocal without a fixed subnet, get none (the latter with a warning).
func (e *Emulator) assignAddress(id string, spec engine.Spec, n engine.Network) engine.Spec {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[id]
	if !ok {
		return spec
	}
	svc, ok := e.services[c.ServiceID]
	if !ok || !svc.RetainIP || !joinsNetwork(spec) {
		return spec
	}
	if !n.Pinned() {
		e.log.Warn("retain_ip: the environment network has no fixed subnet, so addresses "+
			"are not kept; it gets one when it is made again with no container on it "+
			"(remove the environment's stacks and restart the daemon)",
			"network", n.Name, "service", svc.Name)
		return spec
	}
	key := memberKey(c)
	addr, err := netip.ParseAddr(svc.RetainedIPs[key])
	if err != nil || !reserved(n, addr) {
		free, ok := e.freeReserved(svc.AccountID, n)
		if !ok {
			e.log.Warn("retain_ip: no address left in the kept range", "network", n.Name,
				"service", svc.Name)
			return spec
		}
		if svc.RetainedIPs == nil {
			svc.RetainedIPs = map[string]string{}
		}
		svc.RetainedIPs[key] = free.String()
		e.persist(svc)
		addr = free
	}
	spec.IPv4Address = addr.String()
	return spec
}

// joinsNetwork reports whether a container joins the environment network itself (the
// managed network mode) rather than sharing another's or using the host's.
func joinsNetwork(spec engine.Spec) bool {
	if spec.Network == "" || spec.NetworkContainer != "" {
		return false
	}
	mode, _ := spec.LaunchConfig["networkMode"].(string)
	return mode == "" || mode == "managed"
}

// reserved reports whether addr lies in the part of the network kept for chosen
// addresses: inside the subnet, outside Docker's range, not the broadcast address.
func reserved(n engine.Network, addr netip.Addr) bool {
	return n.Subnet.Contains(addr) && !n.Dynamic.Contains(addr) && addr != lastAddr(n.Subnet)
}

// freeReserved finds the lowest kept address no live service of the environment holds.
// Callers hold e.mu.
func (e *Emulator) freeReserved(pid string, n engine.Network) (netip.Addr, bool) {
	taken := map[string]bool{}
	for _, s := range e.services {
		if s.AccountID != pid || s.Removed != nil {
			continue
		}
		for _, ip := range s.RetainedIPs {
			taken[ip] = true
		}
	}
	for addr := lastAddr(n.Dynamic).Next(); reserved(n, addr); addr = addr.Next() {
		// x.y.z.0 and x.y.z.255 are valid in a wide subnet, but some programs take them
		// for network or broadcast addresses.
		if last := addr.As4()[3]; last == 0 || last == 255 || taken[addr.String()] {
			continue
		}
		return addr, true
	}
	return netip.Addr{}, false
}

// lastAddr is the highest address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
