package fakeapi_test

import (
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
	probe := sleeper()
	probe["name"] = "probe"
	probe["networkMode"] = "container"
	probe["networkLaunchConfig"] = "web"
	probe["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; while true; do " +
		"wget -qO- http://127.0.0.1:8080/ 2>/dev/null; sleep 0.5; done"}
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
