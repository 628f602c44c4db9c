package fakeapi_test

import (
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func upgradeBody(lc map[string]any, startFirst bool) map[string]any {
	return map[string]any{"inServiceStrategy": map[string]any{"batchSize": 1,
		"intervalMillis": 100, "startFirst": startFirst, "launchConfig": lc}}
}

func ids(cs []client.Resource, keep func(client.Resource) bool) map[string]bool {
	out := map[string]bool{}
	for _, c := range cs {
		if keep(c) {
			out[c.Str("id")] = true
		}
	}
	return out
}

func isRunning(c client.Resource) bool { return c.Str("state") == "running" }
func isStopped(c client.Resource) bool { return c.Str("state") == "stopped" }

// The in-service upgrade of `rancher up --upgrade`: new containers run, old ones are kept
// stopped until finishupgrade removes them or rollback starts them again.
func TestInServiceUpgradeFinishAndRollback(t *testing.T) {
	for _, startFirst := range []bool{false, true} {
		name := "stopfirst"
		if startFirst {
			name = "startfirst"
		}
		t.Run(name, func(t *testing.T) {
			d := apitest.StartClean(t)
			c := d.Client
			stack := createStack(t, c, "up"+name)
			svc := createService(t, c, stack, "web", sleeper(), 2)
			if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
				t.Fatal(err)
			}
			svc = settle(t, c, reload(t, c, svc), "active")
			v1 := ids(instances(t, c, svc), isRunning)

			lc2 := sleeper()
			lc2["environment"] = map[string]any{"VERSION": "2"}
			lc2["labels"] = map[string]any{"io.rancher.service.hash": "v2"}
			svc, err := c.Action(t.Context(), svc, "upgrade", upgradeBody(lc2, startFirst))
			if err != nil {
				t.Fatal(err)
			}
			if svc.Str("state") != "upgrading" {
				t.Fatalf("upgrade reply state %s", svc.Str("state"))
			}
			lc := svc["launchConfig"].(map[string]any)
			if lc["labels"].(map[string]any)["io.rancher.service.hash"] != "v2" {
				t.Fatal("launchConfig not replaced at once: the next up would re-upgrade")
			}
			svc = settle(t, c, svc, "upgraded")
			if svc.Action("finishupgrade") == "" || svc.Action("rollback") == "" ||
				svc.Action("deactivate") != "" {
				t.Fatalf("upgraded actions: %v", svc["actions"])
			}
			all := instances(t, c, svc)
			v2 := ids(all, isRunning)
			for id := range v1 {
				if v2[id] || !ids(all, isStopped)[id] {
					t.Fatalf("old container %s should be kept stopped: %v", id, all)
				}
			}
			if len(v2) != 2 {
				t.Fatalf("new containers running: %d", len(v2))
			}
			// A stack with an unconfirmed upgrade cannot be stopped (Spin's text).
			_, err = c.Action(t.Context(), reload(t, c, stack), "deactivateservices", nil)
			var apiErr *client.Error
			if !asAPIError(err, &apiErr) || apiErr.Code != "InvalidState" ||
				apiErr.FieldName != "Service web is not in valid state to be deactivated: "+
					"upgraded" {
				t.Fatalf("stop during upgrade: %v", err)
			}

			// Roll back: the old containers run again, the new ones are gone.
			if _, err := c.Action(t.Context(), svc, "rollback", nil); err != nil {
				t.Fatal(err)
			}
			svc = settle(t, c, reload(t, c, svc), "active")
			back := ids(instances(t, c, svc), isRunning)
			for id := range v1 {
				if !back[id] {
					t.Fatalf("rollback did not restore %s: %v", id, back)
				}
			}
			if len(back) != 2 {
				t.Fatalf("after rollback %d running", len(back))
			}
			lc = svc["launchConfig"].(map[string]any)
			if lc["labels"].(map[string]any)["io.rancher.service.hash"] != "abc" {
				t.Fatal("rollback did not restore the previous launch config")
			}

			// Upgrade again and finish: only the new containers remain.
			svc, err = c.Action(t.Context(), svc, "upgrade", upgradeBody(lc2, startFirst))
			if err != nil {
				t.Fatal(err)
			}
			svc = settle(t, c, svc, "upgraded")
			if _, err := c.Action(t.Context(), svc, "finishupgrade", nil); err != nil {
				t.Fatal(err)
			}
			svc = settle(t, c, reload(t, c, svc), "active")
			final := instances(t, c, svc)
			if len(final) != 2 || len(ids(final, isRunning)) != 2 {
				t.Fatalf("after finish: %v", final)
			}
			for _, ct := range final {
				if v1[ct.Str("id")] {
					t.Fatalf("old container %s survived finishupgrade", ct.Str("id"))
				}
			}
		})
	}
}

func TestUpgradeBadInput(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	svc := createService(t, c, createStack(t, c, "upbad"), "web", sleeper(), 1)
	var apiErr *client.Error
	_, err := c.Action(t.Context(), svc, "upgrade", map[string]any{})
	if !asAPIError(err, &apiErr) || apiErr.Code != "MissingRequired" {
		t.Errorf("upgrade without strategy: %v", err)
	}
	_, err = c.Action(t.Context(), svc, "upgrade",
		map[string]any{"inServiceStrategy": map[string]any{"batchSize": 1}})
	if !asAPIError(err, &apiErr) || apiErr.Code != "InvalidOption" {
		t.Errorf("upgrade without launch configs: %v", err)
	}
}
