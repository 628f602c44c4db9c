package spintest

import (
	"context"
	"fmt"
	"os/user"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// Defaults of Options.
const (
	DefaultEnvironment = "dev-cattle"
	DefaultTimeout     = 3 * time.Minute
)

// poll is how often Up and the clean-up look at the daemon.
const poll = 200 * time.Millisecond

// removeTimeout bounds the removal of the stack at clean-up.
const removeTimeout = time.Minute

// Options says what Up deploys and under which rules.
type Options struct {
	// Files are the compose files, merged in order. Empty means docker-compose.yml (and
	// docker-compose.override.yml when present) in the working directory.
	Files []string
	// RancherFile is the rancher-compose.yml; empty means the one beside the first file.
	RancherFile string
	// EnvFiles hold variables for ${VAR} interpolation, as spinlocal up --env-file.
	EnvFiles []string
	// Stack is the stack name; empty means the name of the first file's directory.
	Stack string
	// Environment is dev-cattle (the default), prod-cattle or sandbox.
	Environment string
	// User is the account that deploys and owns the stack; empty means the login name.
	User string
	// Config is a daemon config file (audit levels, users, collaboration accounts), as
	// spinlocal serve --daemon-config reads it; empty means the daemon's defaults.
	Config string
	// Audit sets rule levels over Config's, e.g. {"port-not-allowed": "off"} for a test
	// that publishes a port outside Spin's firewall lists.
	Audit map[string]string
	// Timeout bounds the deployment and the wait until every service is healthy; zero
	// means DefaultTimeout.
	Timeout time.Duration
}

// Stack is a deployed stack and the daemon that runs it.
type Stack struct {
	// Name is the stack's name.
	Name string
	// Client is keyed for Options.User in the stack's environment, for tests that
	// inspect or change the stack through the Cattle API.
	Client *client.Client
	// DaemonURL is the address of the daemon's API, e.g. for the Rancher CLI.
	DaemonURL string
	// DaemonID labels every Docker object the daemon makes (io.spinlocal.daemon).
	DaemonID string

	tb       testing.TB
	services map[string]client.Resource
}

// Up starts an isolated daemon, deploys the project through its API and waits until every
// service it starts is active and healthy (start_on_create: false services stay
// inactive). A failure ends the test with each unready service's state and last log lines.
// The stack and everything the daemon made are removed when the test ends.
func Up(tb testing.TB, o Options) *Stack {
	tb.Helper()
	project, err := compose.Load(tb.Context(), compose.Options{Files: o.Files,
		RancherFile: o.RancherFile, EnvFiles: o.EnvFiles, ProjectName: o.Stack})
	if err != nil {
		tb.Fatalf("spintest: %v", err)
	}
	policy, err := policyOf(o)
	if err != nil {
		tb.Fatalf("spintest: %v", err)
	}
	d := startDaemon(tb, policy)
	cl, err := d.client(tb.Context(), deployer(o.User), environmentOf(o))
	if err != nil {
		tb.Fatalf("spintest: %v", err)
	}
	tb.Cleanup(func() { removeStack(tb, cl, project.Name) })

	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	dep, err := cl.Deploy(ctx, project, &lineLogger{tb: tb})
	if err != nil {
		if dep != nil && dep.Stack != nil {
			err = cl.Explain(ctx, dep.Stack, dep.Unfinished(project), err)
		}
		tb.Fatalf("spintest: deploy %s: %v", project.Name, err)
	}
	byName, err := cl.WaitReady(ctx, dep.Stack, client.Started(project), poll)
	if err != nil {
		tb.Fatalf("spintest: %v", err)
	}
	return &Stack{Name: project.Name, Client: cl, DaemonURL: d.url,
		DaemonID: d.emu.DaemonID(), tb: tb, services: byName}
}

// Endpoint is host:port of the first port the service publishes, e.g. 127.0.0.1:60000.
// A service that publishes none ends the test; call it from the test that called Up.
func (s *Stack) Endpoint(service string) string {
	s.tb.Helper()
	svc, ok := s.services[service]
	if !ok {
		s.tb.Fatalf("spintest: stack %s has no service %q; it has %s", s.Name, service,
			strings.Join(s.serviceNames(), ", "))
	}
	eps := client.Endpoints(svc)
	if len(eps) == 0 {
		s.tb.Fatalf("spintest: service %s of stack %s publishes no port", service, s.Name)
	}
	return eps[0].HostPort()
}

// URL is http://host:port of the service's first published port, without a trailing
// slash.
func (s *Stack) URL(service string) string {
	s.tb.Helper()
	return "http://" + s.Endpoint(service)
}

func (s *Stack) serviceNames() []string {
	names := make([]string, 0, len(s.services))
	for n := range s.services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// policyOf reads Options.Config and lays Options.Audit over its levels.
func policyOf(o Options) (emulator.Policy, error) {
	var p emulator.Policy
	if o.Config != "" {
		var err error
		if p, err = emulator.LoadPolicy(o.Config); err != nil {
			return p, err
		}
	}
	over, err := audit.ParseLevels(o.Audit)
	if err != nil {
		return p, fmt.Errorf("Options.Audit: %w", err)
	}
	if p.Levels == nil {
		p.Levels = audit.Levels{}
	}
	for rule, level := range over {
		p.Levels[rule] = level
	}
	return p, nil
}

// deployer is the account a stack is deployed as.
func deployer(name string) string {
	if name != "" {
		return name
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "spintest"
}

func environmentOf(o Options) string {
	if o.Environment != "" {
		return o.Environment
	}
	return DefaultEnvironment
}

// client returns a client keyed for user in env.
func (d *daemon) client(ctx context.Context, user, env string) (*client.Client, error) {
	access, secret, err := d.emu.CreateKey(user)
	if err != nil {
		return nil, err
	}
	cl := client.New(d.url, access, secret)
	return cl, cl.UseEnvironment(ctx, env)
}

// removeStack removes the stack through the API at clean-up, before the daemon stops; the
// Docker sweep after it catches anything left.
func removeStack(tb testing.TB, cl *client.Client, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	st, err := cl.FindByName(ctx, "stacks", name, nil)
	if err == nil && st != nil {
		err = cl.RemoveStack(ctx, st, poll)
	}
	if err != nil {
		tb.Logf("spintest: remove stack %s: %v", name, err)
	}
}

// lineLogger writes deployment progress to the test log, a line at a time.
type lineLogger struct {
	tb      testing.TB
	pending []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.pending = append(l.pending, p...)
	for {
		i := strings.IndexByte(string(l.pending), '\n')
		if i < 0 {
			return len(p), nil
		}
		l.tb.Log("spintest: " + string(l.pending[:i]))
		l.pending = l.pending[i+1:]
	}
}
