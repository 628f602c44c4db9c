package engine

import (
	"context"
	"io"
	"net"
	"time"
)

// Spec describes one container to create.
type Spec struct {
	// Name is the wanted container name; the engine adds a suffix when it is taken.
	Name string
	// Network is the user-defined network to join when the launch config asks for the
	// managed network.
	Network string
	// Aliases are extra DNS names for the container on Network.
	Aliases []string
	// DNSSearch is prepended to the launch config's own search domains.
	DNSSearch []string
	// Labels are added over the launch config's labels.
	Labels map[string]string
	// LaunchConfig is the Cattle launch config (camelCase keys, as the API stores it).
	LaunchConfig map[string]any
	// BindHost is the address published ports bind to when a port names none.
	BindHost string
	// ExtraBindHost is a second address those ports bind to as well, "" for none: Docker's
	// host gateway, so that containers reach published ports there (publicroute.go in
	// package emulator).
	ExtraBindHost string
	// VolumesFrom are Docker ids of containers whose volumes this one mounts (sidekicks
	// of the same unit named in dataVolumesFromLaunchConfigs).
	VolumesFrom []string
	// NetworkContainer is the Docker id of the container whose network this one shares
	// (networkMode "container" with networkLaunchConfig).
	NetworkContainer string
	// CapDrop are capabilities dropped on top of the launch config's capDrop and taken
	// out of its capAdd (a container that mounts /global runs without them).
	CapDrop []string
	// SecretsDir is a host directory bind-mounted read-only at /run/secrets; it must exist.
	SecretsDir string
	// HostsFile is a host file bind-mounted at /etc/hosts in place of Docker's own, so the
	// daemon can change it while the container runs; it must exist.
	HostsFile string
	// Links are "container:alias" pairs: the alias resolves, for this container only, to
	// the named container on Network (Rancher's link aliases).
	Links []string
	// Pull asks for a fresh pull of the image (upgrades do); a failed pull falls back to a
	// local copy when there is one.
	Pull bool
	// IPv4Address is the address the container gets on Network (retain_ip); "" lets
	// Docker choose one. Network must then have a fixed subnet.
	IPv4Address string
}

// Status is what the engine reports about one container.
type Status struct {
	ID        string
	Name      string
	Labels    map[string]string
	Running   bool
	State     string // Docker's word: created, running, exited, ...
	ExitCode  int
	Error     string
	IPAddress string
	StartedAt time.Time
}

// LogOptions selects container output.
type LogOptions struct {
	Follow     bool
	Tail       int // negative: all
	Timestamps bool
	Since      string
}

// Engine runs containers.
type Engine interface {
	// EnsureNetwork creates the bridge network name unless it exists, and reports it.
	EnsureNetwork(ctx context.Context, name string, labels map[string]string) (Network, error)
	// RemoveNetwork deletes the network name if it carries the owner's daemon label.
	RemoveNetwork(ctx context.Context, name string, owner map[string]string) error
	// Create makes (but does not start) a container, pulling its image when missing.
	Create(ctx context.Context, spec Spec) (Status, error)
	Start(ctx context.Context, id string) error
	Stop(ctx context.Context, id string, timeout time.Duration) error
	// Remove deletes a container and its anonymous volumes; a missing one is no error.
	Remove(ctx context.Context, id string) error
	Inspect(ctx context.Context, id string) (Status, error)
	// List returns the containers that carry every label in match.
	List(ctx context.Context, match map[string]string) ([]Status, error)
	// Logs streams a container's output as Docker multiplexes it; tty says whether the
	// stream is raw (a TTY container) rather than multiplexed.
	Logs(ctx context.Context, id string, opts LogOptions) (rc io.ReadCloser, tty bool, err error)
	// Exec starts a command in a running container with its streams attached.
	Exec(ctx context.Context, id string, opts ExecOptions) (ExecSession, error)
	// Watch sends the id of every container carrying the match labels whose state
	// changes (die, destroy, stop, start), until ctx ends.
	Watch(ctx context.Context, match map[string]string) <-chan string
	// Rename gives a container a new name.
	Rename(ctx context.Context, id, name string) error
	// Pull fetches an image; see Docker.Pull for the local fallback.
	Pull(ctx context.Context, ref string) (warning string, err error)
	// CreateVolume makes a local volume unless it exists, and reports it either way.
	CreateVolume(ctx context.Context, spec VolumeSpec) (VolumeStatus, error)
	// RemoveVolume deletes a volume; a missing one is no error, a mounted one wraps
	// ErrVolumeInUse.
	RemoveVolume(ctx context.Context, name string) error
	// ListVolumes returns the volumes that carry every label in match.
	ListVolumes(ctx context.Context, match map[string]string) ([]VolumeStatus, error)
	// HostGateway returns the address extra hosts entries of "host-gateway" stand for.
	HostGateway(ctx context.Context) (string, error)
	// PortUsers lists the running containers, whoever made them, that publish a host port.
	PortUsers(ctx context.Context, port int) ([]PortUser, error)
	// Dial opens a raw connection to the engine's HTTP API.
	Dial(ctx context.Context) (net.Conn, error)
	Close() error
}

// IsNotFound reports whether err means the container does not exist.
func IsNotFound(err error) bool { return isNotFound(err) }
