package engine

import (
	"context"

	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// Docker is the Engine backed by a Docker daemon.
type Docker struct {
	cli *client.Client
	log *slog.Logger
}

// NewDocker connects to the Docker daemon named by the usual DOCKER_HOST environment, or
// the default socket, and negotiates the API version.
func NewDocker(ctx context.Context, log *slog.Logger) (*Docker, error) {
	if log == nil {
		log = slog.Default()
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	// Negotiating now, once, keeps later concurrent calls (events, lists) from racing
	// on the client's version.
	cli.NegotiateAPIVersion(ctx)
	if _, err := cli.Ping(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("cannot reach the Docker engine at %s (is dockerd running? "+
			"set DOCKER_HOST if it listens elsewhere): %w", cli.DaemonHost(), err)
	}
	return &Docker{cli: cli, log: log}, nil
}

// Close releases the client.
func (d *Docker) Close() error { return d.cli.Close() }

// Create pulls the image if it is missing (or always, when the launch config's
// io.rancher.container.pull_image label says so) and creates the container.
func (d *Docker) Create(ctx context.Context, spec Spec) (Status, error) {
	cfg, host, netCfg, err := dockerConfig(spec)
	if err != nil {
		return Status{}, err
	}
	always := lc(spec.LaunchConfig).strMap("labels")["io.rancher.container.pull_image"] ==
		"always"
	if err := d.ensureImage(ctx, cfg.Image, always || spec.Pull); err != nil {
		return Status{}, err
	}
	name := spec.Name
	resp, err := d.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, name)
	if errdefs.IsConflict(err) {
		// The name is held by a container we do not own, or by the previous
		// container of an upgraded unit: keep the name recognisable.
		name = fmt.Sprintf("%s-%s", spec.Name, spec.Labels[LabelContainerID])
		resp, err = d.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, name)
	}
	if err != nil {
		return Status{}, fmt.Errorf("create container %s: %w", name, err)
	}
	return Status{ID: resp.ID, Name: name, State: "created"}, nil
}

func (d *Docker) ensureImage(ctx context.Context, ref string, always bool) error {
	if !always {
		_, err := d.cli.ImageInspect(ctx, ref)
		if err == nil {
			return nil
		}
		if !errdefs.IsNotFound(err) {
			return fmt.Errorf("inspect image %s: %w", ref, err)
		}
	}
	rc, err := d.cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		if _, ierr := d.cli.ImageInspect(ctx, ref); ierr == nil {
			// A laptop image that was never pushed: keep the local copy.
			d.log.Warn("pull failed, using the local image", "image", ref, "err", err)
			return nil
		}
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	defer rc.Close()
	// The pull reports failures inside the JSON stream; read it to the end and then
	// check that the image is really there.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	if _, err := d.cli.ImageInspect(ctx, ref); err != nil {
		return fmt.Errorf("pull image %s: image still missing after pull: %w", ref, err)
	}
	return nil
}

// Start starts a created or stopped container.
func (d *Docker) Start(ctx context.Context, id string) error {
	if err := d.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return fmt.Errorf("start container %s: %w", short(id), err)
	}
	return nil
}

// Stop stops a container, killing it after timeout.
func (d *Docker) Stop(ctx context.Context, id string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = stopTimeout
	}
	secs := int(timeout / time.Second)
	err := d.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %s: %w", short(id), err)
	}
	return nil
}

// Remove force-removes a container with its anonymous volumes.
func (d *Docker) Remove(ctx context.Context, id string) error {
	err := d.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true,
		RemoveVolumes: true})
	if err != nil && !errdefs.IsNotFound(err) && !isRemovalInProgress(err) {
		return fmt.Errorf("remove container %s: %w", short(id), err)
	}
	return nil
}

// Inspect reports one container.
func (d *Docker) Inspect(ctx context.Context, id string) (Status, error) {
	info, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return Status{}, fmt.Errorf("inspect container %s: %w", short(id), err)
	}
	st := Status{ID: info.ID, Name: strings.TrimPrefix(info.Name, "/"),
		Labels: info.Config.Labels}
	if info.State != nil {
		st.Running = info.State.Running
		st.State = string(info.State.Status)
		st.ExitCode = info.State.ExitCode
		st.Error = info.State.Error
		st.StartedAt, _ = time.Parse(time.RFC3339Nano, info.State.StartedAt)
	}
	if info.NetworkSettings != nil {
		for _, ep := range info.NetworkSettings.Networks {
			if ep != nil && ep.IPAddress != "" {
				st.IPAddress = ep.IPAddress
				break
			}
		}
	}
	return st, nil
}

// List returns every container (running or not) carrying all match labels.
func (d *Docker) List(ctx context.Context, match map[string]string) ([]Status, error) {
	args := filters.NewArgs()
	for k, v := range match {
		args.Add("label", k+"="+v)
	}
	list, err := d.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]Status, 0, len(list))
	for _, c := range list {
		st := Status{ID: c.ID, Labels: c.Labels, State: string(c.State),
			Running: c.State == container.StateRunning}
		if len(c.Names) > 0 {
			st.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		if c.NetworkSettings != nil {
			for _, ep := range c.NetworkSettings.Networks {
				if ep != nil && ep.IPAddress != "" {
					st.IPAddress = ep.IPAddress
					break
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Logs streams a container's output.
func (d *Docker) Logs(ctx context.Context, id string, opts LogOptions) (io.ReadCloser, bool,
	error) {
	info, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return nil, false, fmt.Errorf("inspect container %s: %w", short(id), err)
	}
	tail := "all"
	if opts.Tail >= 0 {
		tail = fmt.Sprint(opts.Tail)
	}
	rc, err := d.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true,
		ShowStderr: true, Follow: opts.Follow, Timestamps: opts.Timestamps,
		Since: opts.Since, Tail: tail})
	if err != nil {
		return nil, false, fmt.Errorf("logs of container %s: %w", short(id), err)
	}
	return rc, info.Config != nil && info.Config.Tty, nil
}

// Watch reports container state changes for containers with the match labels.
func (d *Docker) Watch(ctx context.Context, match map[string]string) <-chan string {
	out := make(chan string, 64)
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			args := filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)))
			for k, v := range match {
				args.Add("label", k+"="+v)
			}
			msgs, errs := d.cli.Events(ctx, events.ListOptions{Filters: args})
			d.forward(ctx, msgs, errs, out)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return out
}

func (d *Docker) forward(ctx context.Context, msgs <-chan events.Message, errs <-chan error,
	out chan<- string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-errs:
			return
		case m := <-msgs:
			switch m.Action {
			case events.ActionCreate, events.ActionDie, events.ActionDestroy,
				events.ActionStop, events.ActionStart, events.ActionOOM:
				select {
				case out <- m.Actor.ID:
				default:
				}
			}
		}
	}
}

func isNotFound(err error) bool { return errdefs.IsNotFound(err) }

func isRemovalInProgress(err error) bool {
	return err != nil && strings.Contains(err.Error(), "is already in progress")
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

var _ Engine = (*Docker)(nil)

// HasImage reports whether ref is present locally.
func (d *Docker) HasImage(ctx context.Context, ref string) bool {
	_, err := d.cli.ImageInspect(ctx, ref)
	return err == nil
}

// Pull fetches ref from its registry. When the pull fails but a local copy exists (a laptop
// image that was never pushed), the local copy is used and the reason is returned as a
// warning.
func (d *Docker) Pull(ctx context.Context, ref string) (warning string, err error) {
	rc, err := d.cli.ImagePull(ctx, ref, image.PullOptions{})
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	if err == nil {
		return "", nil
	}
	if _, ierr := d.cli.ImageInspect(ctx, ref); ierr == nil {
		return fmt.Sprintf("pull of %s failed (%v); using the local image", ref, err), nil
	}
	return "", fmt.Errorf("pull image %s: %w", ref, err)
}

// Rename gives a container a new name.
func (d *Docker) Rename(ctx context.Context, id, name string) error {
	if err := d.cli.ContainerRename(ctx, id, name); err != nil {
		return fmt.Errorf("rename container %s to %s: %w", short(id), name, err)
	}
	return nil
}
