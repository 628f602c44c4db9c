package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// fakeGateway is the host gateway the fake engine reports.
const fakeGateway = "10.42.0.254"

// withAddrs makes the daemon's machine have addrs (CIDR) for the test.
func withAddrs(t *testing.T, addrs ...string) {
	t.Helper()
	restore := interfaceAddrs
	t.Cleanup(func() { interfaceAddrs = restore })
	interfaceAddrs = func() ([]net.Addr, error) {
		var out []net.Addr
		for _, a := range addrs {
			ip, n, err := net.ParseCIDR(a)
			if err != nil {
				return nil, err
			}
			out = append(out, &net.IPNet{IP: ip, Mask: n.Mask})
		}
		return out, nil
	}
}

// openLogged opens an emulator whose log the test reads.
func openLogged(t *testing.T, eng engine.Engine, bindHost string) (*Emulator, *strings.Builder) {
	t.Helper()
	var logs strings.Builder
	e, err := Open(Config{StateDir: t.TempDir(), Engine: eng, BindHost: bindHost,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Policy: auditOff()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, &logs
}

// publishing creates and activates a service of stack that publishes 60000:8080.
func publishing(t *testing.T, e *Emulator, stackID, name string) Service {
	t.Helper()
	return publishingPorts(t, e, stackID, name, []any{"60000:8080"})
}

// publishingPorts creates and activates a service of stack with ports; the fake engine's
// PortUsers reads a []string, the API stores a []any.
func publishingPorts(t *testing.T, e *Emulator, stackID, name string, ports any) Service {
	t.Helper()
	scale := 1
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: name, StackID: stackID,
		Scale: &scale, LaunchConfig: map[string]any{"imageUuid": "docker:nginx:1.25",
			"ports": ports}})
	if err != nil {
		t.Fatal(err)
	}
	mustAction(t, e, svc.ID, "activate")
	return svc
}

// Where Docker's host gateway is an address of the machine, a publishing service's ports
// also bind it, and every container of the environment, made before or after, resolves
// the public name to it while the service runs; the name is no network alias.
func TestPublicNameAtLocalGateway(t *testing.T) {
	withAddrs(t, "127.0.0.1/8", fakeGateway+"/16")
	eng := newFakeEngine()
	e, logs := openLogged(t, eng, "")
	client := mustService(t, e, mustStack(t, e, "back").ID, "app", 1)
	mustAction(t, e, client.ID, "activate")
	passes(t, e, 2)
	web := publishing(t, e, mustStack(t, e, "front").ID, "web")
	passes(t, e, 3)
	name := e.FQDN(getService(t, e, web.ID))
	if name == "" {
		t.Fatal("no public name")
	}
	spec := eng.byName("front-web-1").spec
	if spec.ExtraBindHost != fakeGateway || spec.Labels[labelPublicGateway] != fakeGateway ||
		slices.Contains(spec.Aliases, name) {
		t.Errorf("web's spec: extra bind %q, label %q, aliases %v", spec.ExtraBindHost,
			spec.Labels[labelPublicGateway], spec.Aliases)
	}
	if got := eng.byName("back-app-1").spec.Labels[labelPublicGateway]; got != "" {
		t.Errorf("a container publishing nothing is labelled %q", got)
	}
	line := fakeGateway + "\t" + name + "\n"
	for _, svc := range []Service{client, web} {
		if h := hostsOf(t, e, svc.ID); !strings.Contains(h, line) {
			t.Errorf("%s's hosts file lacks %q:\n%s", svc.Name, line, h)
		}
	}
	mustAction(t, e, web.ID, "deactivate")
	passes(t, e, 3)
	if h := hostsOf(t, e, client.ID); strings.Contains(h, name) {
		t.Errorf("the name of a stopped service still resolves:\n%s", h)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings: %s", logs)
	}
}

// With published ports on every address, the gateway is covered wherever it is: the name
// resolves there and ports bind nothing more.
func TestPublicNameWildcardBindHost(t *testing.T) {
	withAddrs(t, "127.0.0.1/8")
	eng := newFakeEngine()
	e, _ := openLogged(t, eng, "0.0.0.0")
	web := publishing(t, e, mustStack(t, e, "front").ID, "web")
	passes(t, e, 3)
	spec := eng.byName("front-web-1").spec
	if spec.ExtraBindHost != "" || spec.Labels[labelPublicGateway] != fakeGateway {
		t.Errorf("extra bind %q, label %q", spec.ExtraBindHost,
			spec.Labels[labelPublicGateway])
	}
	line := fakeGateway + "\t" + e.FQDN(getService(t, e, web.ID)) + "\n"
	if h := hostsOf(t, e, web.ID); !strings.Contains(h, line) {
		t.Errorf("hosts file lacks %q:\n%s", line, h)
	}
}

// noGateway is the fake engine on a Docker without a default bridge.
type noGateway struct{ *fakeEngine }

func (noGateway) HostGateway(context.Context) (string, error) {
	return "", errors.New("no such network: bridge")
}

// Where the gateway is not an address of the machine (Docker Desktop, a remote engine)
// or is unknown, the public name stays a network alias of the service's containers,
// nothing more is bound, and the daemon says so once.
func TestPublicNameAliasFallback(t *testing.T) {
	withAddrs(t, "127.0.0.1/8", "192.0.2.2/24")
	fake := newFakeEngine()
	for _, tc := range []struct {
		name string
		eng  engine.Engine
		warn string
	}{
		{"remote gateway", fake, "is not an address of this machine"},
		{"unknown gateway", noGateway{newFakeEngine()}, "host gateway is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, logs := openLogged(t, tc.eng, "")
			web := publishing(t, e, mustStack(t, e, "front").ID, "web")
			other := publishing(t, e, mustStack(t, e, "other").ID, "web")
			passes(t, e, 3)
			var byName func(string) *fakeContainer
			switch eng := tc.eng.(type) {
			case *fakeEngine:
				byName = eng.byName
			case noGateway:
				byName = eng.byName
			}
			name := e.FQDN(getService(t, e, web.ID))
			spec := byName("front-web-1").spec
			if spec.ExtraBindHost != "" || spec.Labels[labelPublicGateway] != "" ||
				!slices.Contains(spec.Aliases, name) {
				t.Errorf("extra bind %q, label %q, aliases %v", spec.ExtraBindHost,
					spec.Labels[labelPublicGateway], spec.Aliases)
			}
			if h := hostsOf(t, e, other.ID); strings.Contains(h, name) {
				t.Errorf("the alias is in the hosts file as well:\n%s", h)
			}
			if n := strings.Count(logs.String(), tc.warn); n != 1 {
				t.Errorf("%d warnings %q in %s", n, tc.warn, logs)
			}
		})
	}
}

// Containers made without the gateway binding (by an older daemon, or while the gateway
// was not usable) keep their alias: no hosts file sends their name to the gateway, where
// their ports do not listen.
func TestPublicNameUnboundContainerKeepsAlias(t *testing.T) {
	withAddrs(t, "127.0.0.1/8")
	eng := newFakeEngine()
	dir := t.TempDir()
	e := openEmu(t, dir, eng)
	web := publishing(t, e, mustStack(t, e, "front").ID, "web")
	passes(t, e, 3)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	withAddrs(t, "127.0.0.1/8", fakeGateway+"/16")
	e = openEmu(t, dir, eng)
	client := mustService(t, e, mustStack(t, e, "back").ID, "app", 1)
	mustAction(t, e, client.ID, "activate")
	passes(t, e, 3)
	if spec := eng.byName("back-app-1").spec; spec.ExtraBindHost != fakeGateway {
		t.Errorf("a new container binds %q besides the bind host", spec.ExtraBindHost)
	}
	if h, name := hostsOf(t, e, client.ID), e.FQDN(getService(t, e, web.ID)); name == "" ||
		strings.Contains(h, name) {
		t.Errorf("%q in the hosts file of a container made after:\n%s", name, h)
	}
}

// A port taken on the gateway address names its holder, and says what that address is.
func TestPortTakenOnGatewayNamesTheHolder(t *testing.T) {
	withAddrs(t, "127.0.0.1/8", fakeGateway+"/16")
	e, eng := newEmu(t)
	holder := mustStack(t, e, "holder")
	publishingPorts(t, e, holder.ID, "web", []string{"1:8080"})
	passes(t, e, 2)
	eng.setErrors(nil, errors.New("driver failed programming external connectivity: "+
		"Bind for "+fakeGateway+":1 failed: port is already allocated"))
	app := publishingPorts(t, e, mustStack(t, e, "other").ID, "app", []string{"1:8080"})
	passes(t, e, 1)
	want := "other-app-1: host port " + fakeGateway + ":1 (Docker's host gateway, " +
		"where spinlocal also publishes ports so that containers reach them by public " +
		"name) is already in use by container holder-web-1 of stack holder; stop it or " +
		"publish another port"
	if msg := getService(t, e, app.ID).TransitioningMessage; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

// A program that holds a port on the gateway and on the bind host is reported at the bind
// host, the address the user knows; one that holds it on the gateway alone, at the gateway.
func TestPortTakenOnGatewayByProgram(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finding the process behind a port needs Linux /proc")
	}
	withAddrs(t, "127.0.0.1/8", fakeGateway+"/16")
	e, _ := newEmu(t)
	if r := e.publicRoute(t.Context()); r.bind != fakeGateway {
		t.Fatalf("route %+v", r)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	dockerSays := func() string {
		return dockerReason(e.explainPort(t.Context(), fmt.Errorf("driver failed programming "+
			"external connectivity on endpoint x: Error starting userland proxy: listen tcp4 "+
			"%s:%d: bind: address already in use", fakeGateway, port)))
	}
	want := fmt.Sprintf("host port 127.0.0.1:%d is already in use by process %d", port,
		os.Getpid())
	if msg := dockerSays(); !strings.Contains(msg, want) {
		t.Errorf("message %q lacks %q", msg, want)
	}
	ln.Close()
	want = fmt.Sprintf("host port %s:%d (Docker's host gateway, ", fakeGateway, port)
	if msg := dockerSays(); !strings.Contains(msg, want) {
		t.Errorf("message %q lacks %q", msg, want)
	}
}
