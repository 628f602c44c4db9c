package emulator

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/netip"

	"github.com/spinlocal/spinlocal/emulator/dnsname"
	"github.com/spinlocal/spinlocal/emulator/engine"
)

// On Spin a service's public name led, from anywhere, to the host that published its
// ports, so <public name>:<host port> reached the service. Inside containers spinlocal
// gives the name Docker's host-gateway address (the default bridge's gateway), through
// the hosts files (hostsync.go), and has published ports listen there as well as on
// BindHost. That works when the gateway is an address of the machine the daemon runs on
// (Docker Engine on Linux), or when ports bind every address anyway. Else (Docker Desktop,
// a remote or rootless engine) the gateway is the address of another machine or network
// namespace, where a port bound to loopback cannot be reached and binding the gateway
// would fail: there the name stays a network alias of the service's containers, which
// answers on container ports only.

// labelPublicGateway marks a container whose published ports also listen on the gateway
// address it holds, so that its service's public name may resolve there. Containers made
// before (or without) it keep the network alias instead.
const labelPublicGateway = "io.spinlocal.public.gateway"

// publicRoute is how containers reach published services by their public names.
type publicRoute struct {
	// gateway is the address public names resolve to in hosts files; "" means they are
	// network aliases of the services' containers.
	gateway string
	// bind is the address published ports that name no host IP bind to besides
	// BindHost, "" when BindHost covers the gateway.
	bind string
}

// interfaceAddrs lists the addresses of the daemon's machine; tests replace it.
var interfaceAddrs = net.InterfaceAddrs

// publicRoute decides, once per daemon run, how public names reach published ports.
func (e *Emulator) publicRoute(ctx context.Context) publicRoute {
	e.gwMu.Lock()
	defer e.gwMu.Unlock()
	if e.route != nil {
		return *e.route
	}
	gw, err := e.hostGatewayLocked(ctx)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: that says nothing of Docker, so decide next time.
			return publicRoute{}
		}
		e.route = &publicRoute{}
		e.log.Warn("public names of published services are network aliases of their "+
			"containers, so inside containers they answer on container ports only: "+
			"Docker's host gateway is unknown", "err", err)
		return *e.route
	}
	local, err := isLocalAddr(gw)
	if err != nil {
		e.log.Warn("cannot list this machine's addresses", "err", err)
	}
	wildcard := engine.IsWildcardHost(e.cfg.BindHost)
	switch {
	case local && !wildcard && e.cfg.BindHost != gw:
		e.route = &publicRoute{gateway: gw, bind: gw}
	case local || wildcard:
		// Published ports bind the gateway already: on every address, or on that one.
		e.route = &publicRoute{gateway: gw}
	default:
		e.route = &publicRoute{}
		e.log.Warn("public names of published services are network aliases of their "+
			"containers, so inside containers they answer on container ports only: "+
			"Docker's host gateway is not an address of this machine (Docker Desktop, or "+
			"a remote or rootless engine) and published ports bind the bind host only",
			"gateway", gw, "bind_host", e.cfg.BindHost)
	}
	return *e.route
}

// hostGateway returns Docker's host-gateway address, asking Docker until it answers once.
func (e *Emulator) hostGateway(ctx context.Context) (string, error) {
	e.gwMu.Lock()
	defer e.gwMu.Unlock()
	return e.hostGatewayLocked(ctx)
}

// hostGatewayLocked is hostGateway for callers that hold e.gwMu.
func (e *Emulator) hostGatewayLocked(ctx context.Context) (string, error) {
	if e.gateway != "" {
		return e.gateway, nil
	}
	gw, err := e.eng.HostGateway(ctx)
	if err != nil {
		return "", fmt.Errorf("host gateway of Docker: %w", err)
	}
	if _, err := netip.ParseAddr(gw); err != nil {
		return "", fmt.Errorf("host gateway of Docker %q: %w", gw, err)
	}
	e.gateway = gw
	return gw, nil
}

// isLocalAddr reports whether addr is an address of one of the machine's interfaces.
func isLocalAddr(addr string) (bool, error) {
	want, err := netip.ParseAddr(addr)
	if err != nil {
		return false, fmt.Errorf("address %q: %w", addr, err)
	}
	addrs, err := interfaceAddrs()
	if err != nil {
		return false, fmt.Errorf("interface addresses: %w", err)
	}
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if got, ok := netip.AddrFromSlice(ip); ok && got.Unmap() == want.Unmap() {
			return true, nil
		}
	}
	return false, nil
}

// attachPublic makes container cid, about to be created, reachable by its service's
// public name: its published ports also bind the gateway, and a primary that publishes
// one is labelled so the environment's hosts files send the name there; on the alias
// route a publishing primary on the environment network gets the name as an alias.
func (e *Emulator) attachPublic(ctx context.Context, spec engine.Spec, cid string) engine.Spec {
	route := e.publicRoute(ctx)
	spec.ExtraBindHost = route.bind
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.containers[cid]
	if !ok || c.LaunchConfig != "" || !dnsname.Publishes(c.Spec) {
		return spec
	}
	svc, ok := e.services[c.ServiceID]
	if !ok {
		return spec
	}
	name := e.publicName(*svc)
	switch {
	case name == "":
	case route.gateway == "":
		if spec.Network != "" && spec.NetworkContainer == "" {
			spec.Aliases = append(spec.Aliases[:len(spec.Aliases):len(spec.Aliases)], name)
		}
	default:
		labels := maps.Clone(spec.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		labels[labelPublicGateway] = route.gateway
		spec.Labels = labels
		c.Labels = maps.Clone(labels)
		e.persist(c)
	}
	return spec
}

// publicEntries lists the public names container c resolves through its hosts file: those
// of its environment's services that publish a port and have a running primary made to
// listen on gateway. Callers hold e.mu.
func (e *Emulator) publicEntries(c *Container, gateway string) []hostsEntry {
	if gateway == "" {
		return nil
	}
	reached := map[string]bool{}
	for _, o := range e.containers {
		if o.AccountID == c.AccountID && o.Removed == nil && !o.Retired &&
			o.LaunchConfig == "" && o.State == "running" &&
			o.Labels[labelPublicGateway] == gateway {
			reached[o.ServiceID] = true
		}
	}
	var out []hostsEntry
	for _, svc := range sortedValues(e.services) {
		stack, ok := e.stacks[svc.StackID]
		if !reached[svc.ID] || !ok || svc.Removed != nil || stack.Removed != nil ||
			!dnsname.Publishes(svc.LaunchConfig) {
			continue
		}
		if name := e.publicName(*svc); name != "" {
			// One name a line: musl reads hosts lines into a small buffer.
			out = append(out, hostsEntry{addr: gateway, names: []string{name}})
		}
	}
	return out
}
