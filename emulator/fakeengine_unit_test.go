package emulator

import (
	"context"
	"errors"
	"fmt"
	"github.com/spinlocal/spinlocal/emulator/audit"
	"io"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// fakeEngine is an in-memory engine.Engine: containers are records that start and stop
// on request. Tests may set errors to make the next calls fail.
type fakeEngine struct {
	mu         sync.Mutex
	next       int
	containers map[string]*fakeContainer
	networks   []string
	volumes    map[string]engine.VolumeStatus
	calls      []string // "create <name>", "start <id>", "stop <id>", "remove <id>"

	createErr error
	startErr  error
	// exitOnStart makes started containers stop at once, as a start_once job would.
	exitOnStart bool
}

type fakeContainer struct {
	status engine.Status
	spec   engine.Spec
}

var _ engine.Engine = (*fakeEngine)(nil)

func newFakeEngine() *fakeEngine {
	return &fakeEngine{containers: map[string]*fakeContainer{},
		volumes: map[string]engine.VolumeStatus{}}
}

func (f *fakeEngine) record(call string) { f.calls = append(f.calls, call) }

func (f *fakeEngine) EnsureNetwork(_ context.Context, name string,
	_ map[string]string) (engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.networks, name) {
		f.networks = append(f.networks, name)
	}
	return engine.Network{Name: name, Subnet: netip.MustParsePrefix("10.42.0.0/16"),
		Dynamic: netip.MustParsePrefix("10.42.0.0/17")}, nil
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, name string, _ map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rmnet " + name)
	f.networks = slices.DeleteFunc(f.networks, func(n string) bool { return n == name })
	return nil
}

func (f *fakeEngine) Create(_ context.Context, spec engine.Spec) (engine.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("create " + spec.Name)
	if f.createErr != nil {
		return engine.Status{}, f.createErr
	}
	f.next++
	id := fmt.Sprintf("docker%04d", f.next)
	st := engine.Status{ID: id, Name: spec.Name, Labels: maps.Clone(spec.Labels),
		State: "created"}
	f.containers[id] = &fakeContainer{status: st, spec: spec}
	return st, nil
}

func (f *fakeEngine) Start(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("start " + id)
	if f.startErr != nil {
		return f.startErr
	}
	c, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("no such container: %s", id)
	}
	c.status.Running = !f.exitOnStart
	c.status.State = "running"
	if f.exitOnStart {
		c.status.State = "exited"
	}
	c.status.IPAddress = "10.42.0." + strings.TrimLeft(strings.TrimPrefix(id, "docker"), "0")
	return nil
}

func (f *fakeEngine) Stop(_ context.Context, id string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("stop " + id)
	c, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("no such container: %s", id)
	}
	c.status.Running = false
	c.status.State = "exited"
	return nil
}

func (f *fakeEngine) Remove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("remove " + id)
	delete(f.containers, id)
	return nil
}

func (f *fakeEngine) Inspect(_ context.Context, id string) (engine.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return engine.Status{}, errors.New("no such container: " + id)
	}
	return c.status, nil
}

func (f *fakeEngine) List(_ context.Context, match map[string]string) ([]engine.Status,
	error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Status
	for _, id := range slices.Sorted(maps.Keys(f.containers)) {
		c := f.containers[id]
		ok := true
		for k, v := range match {
			if c.status.Labels[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, c.status)
		}
	}
	return out, nil
}

func (f *fakeEngine) Logs(context.Context, string, engine.LogOptions) (io.ReadCloser, bool,
	error) {
	return io.NopCloser(strings.NewReader("")), false, nil
}

func (f *fakeEngine) Exec(context.Context, string, engine.ExecOptions) (engine.ExecSession,
	error) {
	return nil, errors.New("the fake engine runs no commands")
}

func (f *fakeEngine) Watch(ctx context.Context, _ map[string]string) <-chan string {
	ch := make(chan string)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}

func (f *fakeEngine) Dial(context.Context) (net.Conn, error) {
	return nil, errors.New("the fake engine has no API socket")
}

func (f *fakeEngine) Close() error { return nil }

func (f *fakeEngine) HostGateway(context.Context) (string, error) { return "10.42.0.254", nil }

// PortUsers finds running fake containers whose launch config publishes port.
func (f *fakeEngine) PortUsers(_ context.Context, port int) ([]engine.PortUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.PortUser
	for _, id := range slices.Sorted(maps.Keys(f.containers)) {
		c := f.containers[id]
		ports, _ := c.spec.LaunchConfig["ports"].([]string)
		for _, p := range ports {
			if c.status.Running && strings.HasPrefix(p, fmt.Sprintf("%d:", port)) {
				out = append(out, engine.PortUser{ID: id, Name: c.status.Name,
					Labels: c.status.Labels})
				break
			}
		}
	}
	return out, nil
}

// byName returns the fake's container whose spec has name, or nil.
func (f *fakeEngine) byName(name string) *fakeContainer {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.spec.Name == name {
			return c
		}
	}
	return nil
}

// names lists the spec names of the fake's containers, sorted.
func (f *fakeEngine) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.containers {
		out = append(out, c.spec.Name)
	}
	slices.Sort(out)
	return out
}

// running lists the spec names of running containers, sorted.
func (f *fakeEngine) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.containers {
		if c.status.Running {
			out = append(out, c.spec.Name)
		}
	}
	slices.Sort(out)
	return out
}

// removeByName deletes a container behind the emulator's back, as `docker rm -f` would.
func (f *fakeEngine) removeByName(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, c := range f.containers {
		if c.spec.Name == name {
			delete(f.containers, id)
			return true
		}
	}
	return false
}

// crash makes a running container exit on its own.
func (f *fakeEngine) crash(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.spec.Name == name && c.status.Running {
			c.status.Running, c.status.State, c.status.ExitCode = false, "exited", 137
			return true
		}
	}
	return false
}

func (f *fakeEngine) callsWith(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeEngine) setErrors(create, start error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.createErr, f.startErr = create, start
}

func (f *fakeEngine) Pull(_ context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("pull " + ref)
	return "", nil
}

func (f *fakeEngine) CreateVolume(_ context.Context, spec engine.VolumeSpec) (
	engine.VolumeStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.volumes[spec.Name]; ok {
		return v, nil
	}
	f.record("volume create " + spec.Name)
	v := engine.VolumeStatus{Name: spec.Name, Driver: "local", Labels: maps.Clone(spec.Labels)}
	f.volumes[spec.Name] = v
	return v, nil
}

// RemoveVolume refuses while a fake container's binds name the volume, as Docker does.
func (f *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		for _, b := range stringList(c.spec.LaunchConfig["dataVolumes"]) {
			if strings.HasPrefix(b, name+":") {
				return fmt.Errorf("remove volume %s: %w", name, engine.ErrVolumeInUse)
			}
		}
	}
	f.record("volume remove " + name)
	delete(f.volumes, name)
	return nil
}

func (f *fakeEngine) ListVolumes(_ context.Context, match map[string]string) (
	[]engine.VolumeStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.VolumeStatus
	for _, name := range slices.Sorted(maps.Keys(f.volumes)) {
		v := f.volumes[name]
		ok := true
		for k, want := range match {
			if v.Labels[k] != want {
				ok = false
			}
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// alice is the caller of the unit tests; she owns the stacks they make.
var alice = Caller{User: "alice"}

// auditOff is a policy with every audit rule off, for tests of other things.
func auditOff() Policy {
	levels := audit.Levels{}
	for _, r := range audit.Rules() {
		levels[r.ID] = audit.Off
	}
	return Policy{Levels: levels}
}

func (f *fakeEngine) Rename(_ context.Context, id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rename " + id + " " + name)
	return nil
}
