package engine

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
)

// Network is an environment's bridge network as the daemon sees it.
type Network struct {
	Name string
	// Subnet is the IPv4 subnet fixed when the network was made; "" for a network an
	// older spinlocal made without one, where Docker accepts no chosen address.
	Subnet netip.Prefix
	// Dynamic is the lower half of Subnet, the only part Docker hands out by itself. The
	// upper half is left to addresses the daemon assigns (retain_ip), so no container can
	// take one of those while its owner is being replaced.
	Dynamic netip.Prefix
}

// Pinned reports whether the network has a fixed subnet with room for chosen addresses.
func (n Network) Pinned() bool { return n.Subnet.IsValid() && n.Dynamic.IsValid() }

// createAttempts bounds the retries when another network takes the subnet Docker offered
// between its release and the pinned create.
const createAttempts = 3

// EnsureNetwork creates a labelled bridge network with a fixed subnet unless one with
// that name exists, and reports it. A network of ours made without a fixed subnet is
// remade with one when no container uses it, and kept as it is otherwise.
func (d *Docker) EnsureNetwork(ctx context.Context, name string,
	labels map[string]string) (Network, error) {
	n, err := d.inspectByName(ctx, name, labels)
	switch {
	case errdefs.IsNotFound(err):
	case err != nil:
		return Network{}, fmt.Errorf("inspect network %s: %w", name, err)
	default:
		out, keep, err := d.reuseNetwork(ctx, n, labels)
		if err != nil || keep {
			return out, err
		}
	}
	var last error
	for range createAttempts {
		err := d.createPinned(ctx, name, labels)
		if err == nil || errdefs.IsConflict(err) {
			n, err := d.inspectByName(ctx, name, labels)
			if err != nil {
				return Network{}, fmt.Errorf("inspect network %s: %w", name, err)
			}
			return networkInfo(n), nil
		}
		last = err
	}
	return Network{}, last
}

// reuseNetwork decides about an existing network: keep it (ours, or ours in use without
// a fixed subnet), or remove it so it is made again (ours without a fixed subnet and
// unused; another daemon's with nothing attached, left by a daemon whose state is gone).
func (d *Docker) reuseNetwork(ctx context.Context, n network.Inspect,
	labels map[string]string) (Network, bool, error) {
	owner := n.Labels[LabelDaemon]
	if owner == labels[LabelDaemon] {
		info := networkInfo(n)
		if info.Pinned() {
			return info, true, nil
		}
		used, err := d.networkUsed(ctx, n)
		if err != nil || used {
			return info, true, err
		}
		d.log.Info("remaking a network without a fixed subnet", "network", n.Name)
	} else {
		// Sharing a network would mix two daemons' DNS names (web.stack would answer
		// with both daemons' containers): only our own is reused.
		if owner == "" || len(n.Containers) > 0 {
			return Network{}, false, fmt.Errorf("the Docker network %s belongs to %s; give "+
				"this daemon its own network prefix (serve --network-prefix, "+
				"SPINLOCAL_NETWORK_PREFIX)", n.Name, describeOwner(owner))
		}
		d.log.Info("taking over an unused network of another daemon", "network", n.Name,
			"owner", owner)
	}
	if err := d.cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
		return Network{}, false, fmt.Errorf("remove the unused network %s of %s: %w", n.Name,
			describeOwner(owner), err)
	}
	return Network{}, false, nil
}

// networkUsed reports whether any container, running or not, is attached to a network:
// a stopped one still names it and could not start again without it. A container that
// never ran knows the network by name only, so both are asked for.
func (d *Docker) networkUsed(ctx context.Context, n network.Inspect) (bool, error) {
	list, err := d.cli.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("network", n.ID),
			filters.Arg("network", n.Name))})
	if err != nil {
		return false, fmt.Errorf("list the containers of network %s: %w", n.Name, err)
	}
	return len(list) > 0, nil
}

// createPinned lets Docker choose a free subnet from its pools (which respect the
// daemon's default-address-pools and the host's routes), then makes the network again
// with that subnet written down, so containers may be given chosen addresses in it.
func (d *Docker) createPinned(ctx context.Context, name string,
	labels map[string]string) error {
	probe, err := d.cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge",
		Labels: labels})
	if err != nil {
		return fmt.Errorf("create network %s: %w", name, err)
	}
	n, err := d.cli.NetworkInspect(ctx, probe.ID, network.InspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect network %s: %w", name, err)
	}
	cfg, ok := splitSubnet(n.IPAM.Config)
	if !ok {
		// Too small to share (or IPv6 only): keep Docker's network as it is.
		return nil
	}
	if err := d.cli.NetworkRemove(ctx, probe.ID); err != nil {
		return fmt.Errorf("remove network %s to fix its subnet: %w", name, err)
	}
	_, err = d.cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge",
		Labels: labels, IPAM: &network.IPAM{Config: []network.IPAMConfig{cfg}}})
	if err != nil {
		return fmt.Errorf("create network %s with subnet %s: %w", name, cfg.Subnet, err)
	}
	return nil
}

// maxPinnedBits is the longest IPv4 prefix still split in two halves.
const maxPinnedBits = 28

// splitSubnet takes the IPv4 subnet Docker chose and returns it with its lower half as
// the range Docker allocates from.
func splitSubnet(cfgs []network.IPAMConfig) (network.IPAMConfig, bool) {
	for _, c := range cfgs {
		p, err := netip.ParsePrefix(c.Subnet)
		if err != nil || !p.Addr().Is4() || p.Bits() > maxPinnedBits {
			continue
		}
		p = p.Masked()
		low := netip.PrefixFrom(p.Addr(), p.Bits()+1)
		return network.IPAMConfig{Subnet: p.String(), Gateway: c.Gateway,
			IPRange: low.String()}, true
	}
	return network.IPAMConfig{}, false
}

// networkInfo reads the fixed subnet of a network: only a network made with an IP range
// has one (Docker shows the subnet it chose itself in the same place).
func networkInfo(n network.Inspect) Network {
	out := Network{Name: n.Name}
	for _, c := range n.IPAM.Config {
		sub, err1 := netip.ParsePrefix(c.Subnet)
		dyn, err2 := netip.ParsePrefix(c.IPRange)
		if err1 == nil && err2 == nil && sub.Addr().Is4() {
			out.Subnet, out.Dynamic = sub.Masked(), dyn.Masked()
			break
		}
	}
	return out
}

// RemoveNetwork deletes the network name if it carries the owner's daemon label; a
// missing network, or someone else's, is left alone without error.
func (d *Docker) RemoveNetwork(ctx context.Context, name string,
	owner map[string]string) error {
	n, err := d.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect network %s: %w", name, err)
	}
	if n.Labels[LabelDaemon] != owner[LabelDaemon] {
		return nil
	}
	if err := d.cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove network %s: %w", name, err)
	}
	return nil
}

// RemoveNetworks deletes the networks that carry every match label.
func (d *Docker) RemoveNetworks(ctx context.Context, match map[string]string) error {
	args := filters.NewArgs()
	for k, v := range match {
		args.Add("label", k+"="+v)
	}
	nets, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: args})
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
	}
	for _, n := range nets {
		if err := d.cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("remove network %s: %w", n.Name, err)
		}
	}
	return nil
}

func describeOwner(daemonID string) string {
	if daemonID == "" {
		return "something other than spinlocal"
	}
	return "another spinlocal daemon (id " + daemonID + ")"
}
