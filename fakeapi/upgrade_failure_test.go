package fakeapi_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// An upgrade whose new containers fail (here: their port is taken) puts the service in
// error with the reason, and once the cause is gone it goes on to upgraded, with the old
// containers kept stopped for the confirmation, which then leaves only the new ones.
func TestUpgradeThatFailsResumesWhenTheCauseIsGone(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "upfail")
	svc := createService(t, c, stack, "web", sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	old := ids(instances(t, c, svc), isRunning)

	holder, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := holder.Addr().(*net.TCPAddr).Port
	lc2 := sleeper()
	lc2["ports"] = []string{fmt.Sprintf("%d:8080/tcp", port)}
	lc2["labels"] = map[string]any{"io.rancher.service.hash": "v2"}
	if _, err := c.Action(t.Context(), svc, "upgrade", upgradeBody(lc2, false)); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		svc = reload(t, c, svc)
		if svc.Str("state") != "error" ||
			!strings.Contains(svc.Str("transitioningMessage"), fmt.Sprint(port)) {
			return apitest.Errf("service %s: %s", svc.Str("state"),
				svc.Str("transitioningMessage"))
		}
		return ""
	})
	// `rancher up --upgrade` sends activate to a service it finds in error: that must
	// retry the upgrade step, not forget the upgrade.
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	holder.Close()
	apitest.Eventually(t, 90*time.Second, func() string {
		svc = reload(t, c, svc)
		if svc.Str("state") != "upgraded" {
			return apitest.Errf("service %s: %s", svc.Str("state"),
				svc.Str("transitioningMessage"))
		}
		return ""
	})
	all := instances(t, c, svc)
	for id := range old {
		if !ids(all, isStopped)[id] {
			t.Fatalf("old container %s is not kept stopped: %v", id, all)
		}
	}
	if _, err := c.Action(t.Context(), svc, "finishupgrade", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	all = instances(t, c, svc)
	running := ids(all, isRunning)
	if len(all) != 1 || len(running) != 1 || old[all[0].Str("id")] {
		t.Fatalf("after the confirmation: %v", all)
	}
	var inErr []client.Resource
	for _, ct := range all {
		if ct.Str("state") == "error" {
			inErr = append(inErr, ct)
		}
	}
	if len(inErr) != 0 {
		t.Fatalf("containers left in error: %v", inErr)
	}
}
