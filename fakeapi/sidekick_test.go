package fakeapi_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// A unit is a primary plus its sidekicks: volumes_from mounts the sibling's volumes and
// network_mode container:<sidekick> shares its network, within the same unit.
func TestSidekicksShareVolumesAndNetwork(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "unit")
	primary := sleeper()
	primary["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; " +
		"while [ ! -f /shared/hello ]; do sleep 0.2; done; cat /shared/hello; " +
		"mkdir -p /www; echo from-primary > /www/index.html; httpd -f -p 8080 -h /www"}
	primary["dataVolumesFromLaunchConfigs"] = []string{"data"}
	data := sleeper()
	data["name"] = "data"
	data["dataVolumes"] = []string{"/shared"}
	data["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; echo hello-from-data > " +
		"/shared/hello; while true; do sleep 1; done"}
	probe := sharingProbe("")
	svc, err := c.Create(t.Context(), "services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "scale": 1, "launchConfig": primary,
		"secondaryLaunchConfigs": []any{data, probe}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	byName := map[string]client.Resource{}
	for _, ct := range instances(t, c, svc) {
		byName[ct.Str("name")] = ct
	}
	for _, n := range []string{"unit-web-1", "unit-web-data-1", "unit-web-probe-1"} {
		if byName[n] == nil {
			t.Fatalf("no container %s in %v", n, byName)
		}
	}
	expectLine(t, c, byName["unit-web-1"], "hello-from-data")
	expectLine(t, c, byName["unit-web-probe-1"], "from-primary")
}

// expectLine waits until a container's output holds the line.
func expectLine(t *testing.T, c *client.Client, ct client.Resource, want string) {
	t.Helper()
	apitest.Eventually(t, 20*time.Second, func() string {
		found := false
		err := c.StreamLogs(t.Context(), ct, map[string]any{"follow": false, "lines": -1,
			"timestamps": false}, func(l client.LogLine) { found = found || l.Text == want })
		if err != nil {
			return err.Error()
		}
		if !found {
			return apitest.Errf("%s has not printed %q", ct.Str("name"), want)
		}
		return ""
	})
}

// An upgrade that replaces a unit's network owner replaces the sidekick that shares its
// network too, or the sidekick would be left in the stopped container's network; a
// rollback brings back the old pair, and finishing leaves one new pair.
func TestUpgradeReplacesNetworkSharers(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "netup")
	web := func(version string) map[string]any {
		lc := sleeper()
		lc["command"] = []string{"sh", "-c", "mkdir -p /www; echo from-" + version +
			" > /www/index.html; httpd -p 8080 -h /www; trap 'exit 0' TERM; " +
			"while true; do sleep 1; done"}
		lc["labels"] = map[string]any{"io.rancher.service.hash": version}
		return lc
	}
	probe := sharingProbe("")
	svc, err := c.Create(t.Context(), "services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "scale": 1, "launchConfig": web("v1"),
		"secondaryLaunchConfigs": []any{probe}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	runningProbe := func() client.Resource {
		t.Helper()
		for _, ct := range instances(t, c, svc) {
			if ct.Str("name") == "netup-web-probe-1" && isRunning(ct) {
				return ct
			}
		}
		t.Fatalf("no running probe in %v", instances(t, c, svc))
		return nil
	}
	first := runningProbe()
	expectLine(t, c, first, "from-v1")

	svc, err = c.Action(t.Context(), svc, "upgrade", upgradeBody(web("v2"), false))
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "upgraded")
	second := runningProbe()
	if second.Str("id") == first.Str("id") {
		t.Fatal("the probe sharing the old web's network was kept running")
	}
	expectLine(t, c, second, "from-v2")

	if _, err := c.Action(t.Context(), svc, "rollback", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	if back := runningProbe(); back.Str("id") != first.Str("id") {
		t.Fatalf("rollback runs probe %s, want the old %s", back.Str("id"), first.Str("id"))
	}
	if n := len(instances(t, c, svc)); n != 2 {
		t.Fatalf("after rollback %d containers, want the old pair", n)
	}
	expectFreshLine(t, c, first, "from-v1")

	svc, err = c.Action(t.Context(), svc, "upgrade", upgradeBody(web("v2"), false))
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "upgraded")
	if _, err := c.Action(t.Context(), svc, "finishupgrade", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	if n := len(instances(t, c, svc)); n != 2 {
		t.Fatalf("after finish %d containers, want one new pair", n)
	}
	expectLine(t, c, runningProbe(), "from-v2")
}

// expectFreshLine waits until a container prints the line again, after now.
func expectFreshLine(t *testing.T, c *client.Client, ct client.Resource, want string) {
	t.Helper()
	since := time.Now().Add(-time.Second)
	apitest.Eventually(t, 20*time.Second, func() string {
		found := false
		err := c.StreamLogs(t.Context(), ct, map[string]any{"follow": false, "lines": -1,
			"timestamps": false, "since": strconv.FormatInt(since.Unix(), 10)},
			func(l client.LogLine) { found = found || l.Text == want })
		if err != nil {
			return err.Error()
		}
		if !found {
			return apitest.Errf("%s has not printed %q since the rollback", ct.Str("name"),
				want)
		}
		return ""
	})
}

// A network owner removed by hand is made again, and so is the sidekick that shared its
// network, which would otherwise be left with only a loopback device.
func TestRemovedNetworkOwnerTakesItsSharersAlong(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "netgone")
	web := sleeper()
	web["command"] = []string{"sh", "-c", "mkdir -p /www; hostname > /www/index.html; " +
		"httpd -p 8080 -h /www; trap 'exit 0' TERM; while true; do sleep 1; done"}
	probe := sharingProbe(" && echo answered")
	svc, err := c.Create(t.Context(), "services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "scale": 1, "launchConfig": web,
		"secondaryLaunchConfigs": []any{probe}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	byName := map[string]client.Resource{}
	for _, ct := range instances(t, c, svc) {
		byName[ct.Str("name")] = ct
	}
	first := byName["netgone-web-probe-1"]
	if first == nil || byName["netgone-web-1"] == nil {
		t.Fatalf("unit: %v", byName)
	}
	expectLine(t, c, first, "answered")
	if err := d.Engine.Remove(t.Context(), byName["netgone-web-1"].Str("externalId")); err != nil {
		t.Fatal(err)
	}
	var next client.Resource
	apitest.Eventually(t, 30*time.Second, func() string {
		for _, ct := range instances(t, c, reload(t, c, svc)) {
			if ct.Str("name") == "netgone-web-probe-1" && isRunning(ct) &&
				ct.Str("id") != first.Str("id") {
				next = ct
				return ""
			}
		}
		return "the probe sharing the removed container's network was not made again"
	})
	expectLine(t, c, next, "answered")
}

// sharingProbe is a sidekick "probe" in the network of the primary "web" that prints what
// web serves on 8080 every half second, each answer followed by after.
func sharingProbe(after string) map[string]any {
	probe := sleeper()
	probe["name"] = "probe"
	probe["networkMode"] = "container"
	probe["networkLaunchConfig"] = "web"
	probe["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; while true; do " +
		"wget -qO- http://127.0.0.1:8080/ 2>/dev/null" + after + "; sleep 0.5; done"}
	return probe
}
