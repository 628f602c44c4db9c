package fakeapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// missingImage names an image that is neither local nor on any registry the tests reach.
const missingImage = "spinlocal/no-such-image:rollback-test"

// An upgrade to an image that cannot be pulled stops the old container (stop first) and
// leaves the service in error; rollback is offered there, as Cattle offers it on a
// service whose upgrade failed, and brings the old container back (`rancher up
// --rollback` after a bad `rancher up --upgrade`).
func TestRollbackOfAnUpgradeWhoseImageCannotBePulled(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "badimage")
	svc := createService(t, c, stack, "web", sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	old := ids(instances(t, c, svc), isRunning)
	if len(old) != 1 {
		t.Fatalf("running before the upgrade: %v", old)
	}

	lc2 := sleeper()
	lc2["imageUuid"] = "docker:" + missingImage
	lc2["labels"] = map[string]any{"io.rancher.service.hash": "v2"}
	if _, err := c.Action(t.Context(), svc, "upgrade", upgradeBody(lc2, false)); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		svc = reload(t, c, svc)
		if svc.Str("state") != "error" ||
			!strings.Contains(svc.Str("transitioningMessage"), missingImage) {
			return apitest.Errf("service %s: %s", svc.Str("state"),
				svc.Str("transitioningMessage"))
		}
		return ""
	})
	for _, want := range []string{"rollback", "remove", "activate", "deactivate"} {
		if svc.Action(want) == "" {
			t.Errorf("a service whose upgrade failed offers no %s: %v", want, svc["actions"])
		}
	}

	if _, err := c.Action(t.Context(), svc, "rollback", nil); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	lc, _ := svc["launchConfig"].(map[string]any)
	if fmt.Sprint(lc["imageUuid"]) != "docker:"+apitest.Image() {
		t.Errorf("launch config after the rollback: %v", lc["imageUuid"])
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		all := instances(t, c, svc)
		running := ids(all, isRunning)
		if len(all) != 1 || fmt.Sprint(running) != fmt.Sprint(old) {
			return apitest.Errf("containers %v, want only the old %v running", all, old)
		}
		return ""
	})
	if got := reload(t, c, svc); got.Str("state") != "active" || got.Action("rollback") != "" {
		t.Errorf("after the rollback: %s, actions %v", got.Str("state"), got["actions"])
	}

	// A service at rest offers no rollback, and refuses one.
	err := c.Do(t.Context(), "POST", svc.Link("self")+"/?action=rollback", nil, nil)
	var apiErr *client.Error
	if !asAPIError(err, &apiErr) || apiErr.Code != "ActionNotAvailable" {
		t.Errorf("rollback of an active service: %v", err)
	}
}
