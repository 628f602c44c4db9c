package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
)

// Labels on the Docker volumes that back Cattle volumes.
const (
	// LabelVolumeID is the Cattle id of the volume record (1v7).
	LabelVolumeID = "io.spinlocal.volume.id"
	// LabelVolumeDriver is the Rancher storage driver the volume stands for (local,
	// rancher-nfs); Docker's own driver is always local.
	LabelVolumeDriver = "io.spinlocal.volume.driver"
)

// ErrVolumeInUse is wrapped by RemoveVolume when a container still mounts the volume.
var ErrVolumeInUse = errors.New("volume is in use")

// VolumeSpec describes a Docker volume to create with the local driver.
type VolumeSpec struct {
	Name   string
	Labels map[string]string
}

// VolumeStatus is what the engine reports about one volume.
type VolumeStatus struct {
	Name       string
	Driver     string
	Labels     map[string]string
	Mountpoint string
	CreatedAt  time.Time
}

// CreateVolume makes a local volume unless one of that name exists; either way it reports
// the volume, so callers can check whose labels it carries.
func (d *Docker) CreateVolume(ctx context.Context, spec VolumeSpec) (VolumeStatus, error) {
	v, err := d.cli.VolumeInspect(ctx, spec.Name)
	if err == nil {
		return volumeStatus(v), nil
	}
	if !errdefs.IsNotFound(err) {
		return VolumeStatus{}, fmt.Errorf("inspect volume %s: %w", spec.Name, err)
	}
	v, err = d.cli.VolumeCreate(ctx, volume.CreateOptions{Name: spec.Name, Driver: "local",
		Labels: spec.Labels})
	if err != nil {
		return VolumeStatus{}, fmt.Errorf("create volume %s: %w", spec.Name, err)
	}
	return volumeStatus(v), nil
}

// RemoveVolume deletes a volume and its data. A missing volume is no error; one that a
// container still mounts gives an error wrapping ErrVolumeInUse.
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	err := d.cli.VolumeRemove(ctx, name, false)
	switch {
	case err == nil || errdefs.IsNotFound(err):
		return nil
	case errdefs.IsConflict(err):
		return fmt.Errorf("remove volume %s: %w (%w)", name, ErrVolumeInUse, err)
	}
	return fmt.Errorf("remove volume %s: %w", name, err)
}

// ListVolumes returns the volumes that carry every label in match.
func (d *Docker) ListVolumes(ctx context.Context, match map[string]string) ([]VolumeStatus,
	error) {
	args := filters.NewArgs()
	for k, v := range match {
		args.Add("label", k+"="+v)
	}
	resp, err := d.cli.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	out := make([]VolumeStatus, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		if v != nil {
			out = append(out, volumeStatus(*v))
		}
	}
	return out, nil
}

func volumeStatus(v volume.Volume) VolumeStatus {
	st := VolumeStatus{Name: v.Name, Driver: v.Driver, Labels: v.Labels,
		Mountpoint: v.Mountpoint}
	st.CreatedAt, _ = time.Parse(time.RFC3339Nano, v.CreatedAt)
	return st
}
