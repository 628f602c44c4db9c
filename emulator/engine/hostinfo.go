package engine

import (
	"context"
	"fmt"
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
