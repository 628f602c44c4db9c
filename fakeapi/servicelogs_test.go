package fakeapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// The service event log (`rancher logs --service`) records each action on a service and
// each container that fails to start with Docker's reason, as the Spin guide's
// troubleshooting example shows; the CLI's query gets the newest entries first.
func TestServiceLogRecordsActionsAndFailures(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "svclog")
	lc := sleeper()
	lc["imageUuid"] = "docker:spinlocal/no-such-image:never"
	bad := createService(t, c, stack, "bad", lc, 1)
	good := createService(t, c, stack, "good", sleeper(), 1)
	for _, svc := range []client.Resource{bad, good} {
		if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, c, reload(t, c, good), "active")
	// What `rancher logs --service --tail 3` asks for.
	q := url.Values{"all": {"true"}, "limit": {"3"}, "order": {"desc"}, "sort": {"id"},
		"system": {"false"}, "subLog": {"0"}}
	var logs []client.Resource
	apitest.Eventually(t, 60*time.Second, func() string {
		var err error
		logs, err = c.List(t.Context(), "servicelogs", q)
		if err != nil {
			return err.Error()
		}
		for _, l := range logs {
			if l.Str("eventType") == "service.activate.exception" {
				return ""
			}
		}
		return apitest.Errf("no exception entry yet: %v", logs)
	})
	if len(logs) > 3 {
		t.Fatalf("limit 3 gave %d entries", len(logs))
	}
	for i := 1; i < len(logs); i++ {
		if idNumber(logs[i-1].Str("id")) < idNumber(logs[i].Str("id")) {
			t.Fatalf("order=desc is not newest first: %s before %s", logs[i-1].Str("id"),
				logs[i].Str("id"))
		}
	}
	for _, l := range logs {
		// The CLI looks up every entry's service and crashes on an unknown one.
		if _, err := c.Get(t.Context(), c.ProjectURL()+"/services/"+l.Str("serviceId")); err != nil {
			t.Fatalf("entry %s names service %s: %v", l.Str("id"), l.Str("serviceId"), err)
		}
		if l.Str("eventType") != "service.activate.exception" {
			continue
		}
		if l.Str("level") != "error" || l.Str("serviceId") != bad.Str("id") ||
			l.Str("instanceId") == "" || !strings.Contains(l.Str("description"),
			"Expected state running but got error") ||
			!strings.Contains(l.Str("description"), "no-such-image") {
			t.Fatalf("exception entry: %v", l)
		}
		if one, err := c.Get(t.Context(), l.Link("self")); err != nil ||
			one.Str("id") != l.Str("id") {
			t.Fatalf("entry by id: %v %v", one, err)
		}
	}
	// Every action on good has its entry, ended once the service settled.
	all, err := c.List(t.Context(), "servicelogs", url.Values{"serviceId": {good.Str("id")}})
	if err != nil || len(all) != 1 || all[0].Str("eventType") != "service.activate" ||
		all[0]["endTime"] == nil {
		t.Fatalf("good's entries: %v %v", all, err)
	}
	subs, err := c.List(t.Context(), "servicelogs", url.Values{"subLog": {"1"}})
	if err != nil || len(subs) != 0 {
		t.Fatalf("sub-logs: %v %v", subs, err)
	}
}

// idNumber is the number of a Cattle id such as 1sl12.
func idNumber(id string) int {
	n := 0
	for _, r := range id {
		if r >= '0' && r <= '9' {
			n = n*10 + int(r-'0')
		}
	}
	return n
}
