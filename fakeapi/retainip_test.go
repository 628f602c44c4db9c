package fakeapi_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	dockerclient "github.com/docker/docker/client"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func dockerAPI(t *testing.T) *dockerclient.Client {
	t.Helper()
	cli, err := dockerclient.NewClientWithOpts(dockerclient.FromEnv,
		dockerclient.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// endpoint is what Docker says about a container on a network: its address, and the
// address it was asked to have ("" when Docker chose).
func endpoint(t *testing.T, cli *dockerclient.Client, name, net string) (ip, fixed string) {
	t.Helper()
	info, err := cli.ContainerInspect(t.Context(), name)
	if err != nil {
		t.Fatalf("inspect %s: %v", name, err)
	}
	ep := info.NetworkSettings.Networks[net]
	if ep == nil {
		t.Fatalf("%s is not on network %s", name, net)
	}
	if ep.IPAMConfig != nil {
		fixed = ep.IPAMConfig.IPv4Address
	}
	return ep.IPAddress, fixed
}

// replacedByHand removes a container the way `docker rm -f` does and waits for its
// replacement to run; it returns the replacement's Docker id.
func replacedByHand(t *testing.T, d *apitest.Daemon, name string) string {
	t.Helper()
	old, ok := dockerStatus(t, d, name)
	if !ok {
		t.Fatalf("no container %s", name)
	}
	if err := d.Engine.Remove(t.Context(), old.ID); err != nil {
		t.Fatal(err)
	}
	var next string
	apitest.Eventually(t, 30*time.Second, func() string {
		st, ok := dockerStatus(t, d, name)
		if !ok || st.ID == old.ID || !st.Running {
			return name + " not replaced yet"
		}
		next = st.ID
		return ""
	})
	return next
}

// runningDocker finds the running Docker container of a Cattle name (during an upgrade
// the stopped old one has the same).
func runningDocker(t *testing.T, d *apitest.Daemon, name string) (engine.Status, bool) {
	t.Helper()
	list, err := d.Engine.List(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID(), "io.rancher.container.name": name})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if st.Running {
			return st, true
		}
	}
	return engine.Status{}, false
}

func retainService(t *testing.T, c *client.Client, stack client.Resource, name string,
	scale int) client.Resource {
	t.Helper()
	svc, err := c.Create(t.Context(), "services", map[string]any{"name": name,
		"stackId": stack.Str("id"), "scale": scale, "launchConfig": sleeper(),
		"retainIp": true})
	if err != nil {
		t.Fatalf("create service %s: %v", name, err)
	}
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	return settle(t, c, reload(t, c, svc), "active")
}

// A retain_ip unit keeps its address when its container is removed by hand, upgraded,
// rolled back, and replaced after a daemon restart; a plain service reserves nothing.
func TestRetainIPKeepsEachUnitsAddress(t *testing.T) {
	d := apitest.Start(t, "")
	id, prefix, eng := d.Emu.DaemonID(), d.Prefix, d.Engine
	t.Cleanup(func() { apitest.Cleanup(t, eng, id, prefix) })
	c := d.Client
	cli := dockerAPI(t)
	net := d.Prefix + "-dev-cattle"
	stack := createStack(t, c, "keep")
	svc := retainService(t, c, stack, "app", 2)
	plain := runningService(t, c, stack, "web", sleeper())

	ip1, fixed1 := endpoint(t, cli, "keep-app-1", net)
	ip2, fixed2 := endpoint(t, cli, "keep-app-2", net)
	if ip1 == "" || fixed1 != ip1 || fixed2 != ip2 || ip1 == ip2 {
		t.Fatalf("retain_ip units: %s (asked %s), %s (asked %s)", ip1, fixed1, ip2, fixed2)
	}
	plainIP, plainFixed := endpoint(t, cli, "keep-web-1", net)
	if plainFixed != "" {
		t.Fatalf("a service without retain_ip asked for %s", plainFixed)
	}
	if inst := instances(t, c, plain); len(inst) != 1 ||
		inst[0].Str("primaryIpAddress") != plainIP {
		t.Fatalf("API address of the plain unit: %v, Docker's %s", inst, plainIP)
	}

	replacedByHand(t, d, "keep-app-1")
	if ip, fixed := endpoint(t, cli, "keep-app-1", net); ip != ip1 || fixed != ip1 {
		t.Fatalf("replacement of keep-app-1 has %s (asked %s), want %s", ip, fixed, ip1)
	}
	replacedByHand(t, d, "keep-web-1")
	if _, fixed := endpoint(t, cli, "keep-web-1", net); fixed != "" {
		t.Fatalf("replacement of a plain unit asked for %s", fixed)
	}

	// An in-service upgrade (stop first: start first is refused with retainIp) gives the
	// new containers the addresses of the units they replace; a rollback gives them
	// back to the old ones.
	lc2 := sleeper()
	lc2["environment"] = map[string]any{"VERSION": "2"}
	svc, err := c.Action(t.Context(), reload(t, c, svc), "upgrade", upgradeBody(lc2, false))
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "upgraded")
	for name, want := range map[string]string{"keep-app-1": ip1, "keep-app-2": ip2} {
		st, ok := runningDocker(t, d, name)
		if ip, _ := endpoint(t, cli, st.ID, net); !ok || ip != want {
			t.Fatalf("upgraded %s has %s, want %s", name, ip, want)
		}
	}
	if _, err := c.Action(t.Context(), svc, "rollback", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	apitest.Eventually(t, 30*time.Second, func() string {
		for name, want := range map[string]string{"keep-app-1": ip1, "keep-app-2": ip2} {
			st, ok := runningDocker(t, d, name)
			if !ok || st.Name != name {
				return name + " not back yet"
			}
			if ip, _ := endpoint(t, cli, st.ID, net); ip != want {
				return name + " came back with " + ip + ", want " + want
			}
		}
		return ""
	})

	// The addresses live in the state: a restarted daemon still keeps them.
	d.Stop()
	d2 := apitest.Start(t, d.StateDir)
	t.Cleanup(d2.Stop)
	replacedByHand(t, d2, "keep-app-2")
	if ip, _ := endpoint(t, cli, "keep-app-2", net); ip != ip2 {
		t.Fatalf("after a restart keep-app-2 has %s, want %s", ip, ip2)
	}
}

// Networks an older spinlocal made without a fixed subnet keep working: one in use stays
// as it is (retain_ip then keeps nothing, and says so), an unused one is made again with
// a fixed subnet.
func TestNetworkWithoutFixedSubnet(t *testing.T) {
	d := apitest.StartClean(t)
	cli := dockerAPI(t)
	labels := map[string]string{engine.LabelDaemon: d.Emu.DaemonID()}
	used, unused := d.Prefix+"-dev-cattle", d.Prefix+"-sandbox"
	var usedID string
	for _, name := range []string{used, unused} {
		n, err := cli.NetworkCreate(t.Context(), name, network.CreateOptions{
			Driver: "bridge", Labels: labels})
		if err != nil {
			t.Fatal(err)
		}
		if name == used {
			usedID = n.ID
		}
	}
	// Not labelled as the daemon's: the reconciler would remove it as an orphan.
	holder, err := cli.ContainerCreate(t.Context(), &container.Config{Image: apitest.Image(),
		Cmd: []string{"true"}},
		&container.HostConfig{NetworkMode: container.NetworkMode(used)}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Engine.Remove(context.Background(), holder.ID) })

	svc := retainService(t, d.Client, createStack(t, d.Client, "old"), "app", 1)
	if ip, fixed := endpoint(t, cli, "old-app-1", used); ip == "" || fixed != "" {
		t.Fatalf("on a network in use without a fixed subnet: %s (asked %q)", ip, fixed)
	}
	if n, err := cli.NetworkInspect(t.Context(), used, network.InspectOptions{}); err != nil ||
		n.ID != usedID {
		t.Fatalf("the network in use was replaced: %v", err)
	}
	if svc = reload(t, d.Client, svc); svc.Str("state") != "active" {
		t.Fatalf("service on the old network is %s", svc.Str("state"))
	}

	sc := *d.Client
	sc.Project = "1a1221788"
	retainService(t, &sc, createStack(t, &sc, "fresh"), "app", 1)
	n, err := cli.NetworkInspect(t.Context(), unused, network.InspectOptions{})
	if err != nil || len(n.IPAM.Config) == 0 || n.IPAM.Config[0].IPRange == "" {
		t.Fatalf("unused network not given a fixed subnet: %+v %v", n.IPAM, err)
	}
	ip, fixed := endpoint(t, cli, "fresh-app-1", unused)
	sub := netip.MustParsePrefix(n.IPAM.Config[0].Subnet)
	dyn := netip.MustParsePrefix(n.IPAM.Config[0].IPRange)
	addr := netip.MustParseAddr(ip)
	if fixed != ip || !sub.Contains(addr) || dyn.Contains(addr) {
		t.Fatalf("address %s (asked %s) should be in %s outside Docker's range %s", ip,
			fixed, sub, dyn)
	}
}
