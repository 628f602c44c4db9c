package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
)

// inspectByName inspects the network called name. Docker before API 1.44 checks names
// only best-effort, so two creates racing (a daemon killed while it made the network,
// and its successor) can leave two networks of one name, which Docker then refuses to
// resolve; the spares of ours that nothing uses are removed and the lookup tried again.
func (d *Docker) inspectByName(ctx context.Context, name string,
	labels map[string]string) (network.Inspect, error) {
	n, err := d.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	if err == nil || !IsAmbiguous(err) {
		return n, err
	}
	if derr := d.dropDuplicateNetworks(ctx, name, labels); derr != nil {
		return n, fmt.Errorf("%w (and cleaning up: %w)", err, derr)
	}
	return d.cli.NetworkInspect(ctx, name, network.InspectOptions{})
}

// IsAmbiguous reports Docker refusing a name that more than one network has.
func IsAmbiguous(err error) bool {
	return err != nil && strings.Contains(err.Error(), "ambiguous")
}

// dropDuplicateNetworks keeps one network named name (one in use, else one with a fixed
// subnet, else the oldest) and removes the other ones of this daemon that nothing uses.
func (d *Docker) dropDuplicateNetworks(ctx context.Context, name string,
	labels map[string]string) error {
	list, err := d.cli.NetworkList(ctx, network.ListOptions{
		Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return fmt.Errorf("list networks named %s: %w", name, err)
	}
	type candidate struct {
		n    network.Inspect
		used bool
	}
	var same []candidate
	for _, s := range list {
		if s.Name != name { // the filter matches substrings
			continue
		}
		n, err := d.cli.NetworkInspect(ctx, s.ID, network.InspectOptions{})
		if errdefs.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("inspect network %s: %w", s.ID, err)
		}
		used, err := d.networkUsed(ctx, n)
		if err != nil {
			return err
		}
		same = append(same, candidate{n: n, used: used})
	}
	sort.SliceStable(same, func(i, j int) bool {
		a, b := same[i], same[j]
		if a.used != b.used {
			return a.used
		}
		if pa, pb := networkInfo(a.n).Pinned(), networkInfo(b.n).Pinned(); pa != pb {
			return pa
		}
		return a.n.Created.Before(b.n.Created)
	})
	for i, c := range same {
		if i == 0 || c.used || c.n.Labels[LabelDaemon] != labels[LabelDaemon] {
			continue
		}
		d.log.Info("removing a duplicate network", "network", name, "id", c.n.ID)
		if err := d.cli.NetworkRemove(ctx, c.n.ID); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("remove duplicate network %s (%s): %w", name, c.n.ID, err)
		}
	}
	return nil
}
