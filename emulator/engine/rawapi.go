package engine

import (
	"context"
	"fmt"
	"net"
)

// Dial opens a raw connection to the engine's API endpoint (the socket DOCKER_HOST
// names), over which the caller speaks HTTP/1.1 itself. The rancher docker proxy uses it
// to relay the requests it lets through.
func (d *Docker) Dial(ctx context.Context) (net.Conn, error) {
	conn, err := d.cli.Dialer()(ctx)
	if err != nil {
		return nil, fmt.Errorf("dial the Docker engine at %s: %w", d.cli.DaemonHost(), err)
	}
	return conn, nil
}
