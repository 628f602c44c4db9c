package engine

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
)

// HostGateway returns the gateway of Docker's default bridge network, which is what
// Docker writes for "host-gateway" in extra hosts unless its daemon sets host-gateway-ip
// (Docker Desktop does; there host.docker.internal resolves without an entry).
func (d *Docker) HostGateway(ctx context.Context) (string, error) {
	n, err := d.cli.NetworkInspect(ctx, "bridge", network.InspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect the default bridge network: %w", err)
	}
	return bridgeGateway(n.IPAM.Config)
}

// bridgeGateway picks the IPv4 gateway of the default bridge from its IPAM config. Docker
// (20.10 at least) often lists the subnet alone: the bridge then has the subnet's first
// address, as Docker's IPAM gives it.
func bridgeGateway(configs []network.IPAMConfig) (string, error) {
	for _, c := range configs {
		if gw, err := netip.ParseAddr(c.Gateway); err == nil && gw.Is4() {
			return gw.String(), nil
		}
	}
	for _, c := range configs {
		if p, err := netip.ParsePrefix(c.Subnet); err == nil && c.Gateway == "" &&
			p.Addr().Is4() && p.Bits() < 31 {
			return p.Masked().Addr().Next().String(), nil
		}
	}
	for _, c := range configs {
		if c.Gateway != "" {
			return c.Gateway, nil
		}
	}
	return "", fmt.Errorf("the default bridge network has no gateway address")
}

// PortUser is a running container that publishes a host port.
type PortUser struct {
	ID     string
	Name   string
	Labels map[string]string
	// HostIPs are the addresses it publishes the port on, as Docker lists them ("0.0.0.0"
	// and "::" for every address); nil when unknown.
	HostIPs []string
}

// PortUsers lists the running containers, of any owner, that publish host port port.
func (d *Docker) PortUsers(ctx context.Context, port int) ([]PortUser, error) {
	list, err := d.cli.ContainerList(ctx, container.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []PortUser
	for _, c := range list {
		ips, ok := publishedOn(c.Ports, port)
		if !ok {
			continue
		}
		u := PortUser{ID: c.ID, Labels: c.Labels, HostIPs: ips}
		if len(c.Names) > 0 {
			u.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, u)
	}
	return out, nil
}

// publishedOn reports whether ports publish host port port, and on which addresses.
func publishedOn(ports []container.Port, port int) (ips []string, ok bool) {
	for _, p := range ports {
		if int(p.PublicPort) == port {
			ok = true
			if p.IP != "" && !slices.Contains(ips, p.IP) {
				ips = append(ips, p.IP)
			}
		}
	}
	return ips, ok
}
