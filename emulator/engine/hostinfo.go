package engine

import (
	"context"
	"fmt"
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
	for _, c := range n.IPAM.Config {
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
}

// PortUsers lists the running containers, of any owner, that publish host port port.
func (d *Docker) PortUsers(ctx context.Context, port int) ([]PortUser, error) {
	list, err := d.cli.ContainerList(ctx, container.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []PortUser
	for _, c := range list {
		if !publishes(c.Ports, port) {
			continue
		}
		u := PortUser{ID: c.ID, Labels: c.Labels}
		if len(c.Names) > 0 {
			u.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, u)
	}
	return out, nil
}

func publishes(ports []container.Port, port int) bool {
	for _, p := range ports {
		if int(p.PublicPort) == port {
			return true
		}
	}
	return false
}
