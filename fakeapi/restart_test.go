package fakeapi_test

import (
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// A daemon killed and started again on the same state dir loses no stack, service, key
// or id, and finds its containers again.
func TestRestartKeepsEverything(t *testing.T) {
	d := apitest.Start(t, "")
	id, prefix, eng := d.Emu.DaemonID(), d.Prefix, d.Engine
	t.Cleanup(func() { apitest.Cleanup(t, eng, id, prefix) })
	c := d.Client
	stack := createStack(t, c, "keep")
	svc := createService(t, c, stack, "web", sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	before := instances(t, c, svc)[0]
	d.Stop()

	d2 := apitest.Start(t, d.StateDir)
	t.Cleanup(d2.Stop)
	// The old key still works.
	c2 := client.New(d2.Server.URL, c.AccessKey, c.SecretKey)
	c2.Project = c.Project
	st, err := c2.FindByName(t.Context(), "stacks", "keep", nil)
	if err != nil || st == nil || st.Str("id") != stack.Str("id") {
		t.Fatalf("stack after restart: %v %v", st, err)
	}
	s2, err := c2.Get(t.Context(), c2.ProjectURL()+"/services/"+svc.Str("id"))
	if err != nil || s2.Str("state") != "active" {
		t.Fatalf("service after restart: %v %v", s2, err)
	}
	after := instances(t, c2, s2)
	if len(after) != 1 || after[0].Str("id") != before.Str("id") ||
		after[0].Str("externalId") != before.Str("externalId") {
		t.Fatalf("container after restart: %v, before %v", after, before)
	}
	// Ids continue from the counters: the next stack is not 1st1 again.
	next := createStack(t, c2, "next")
	if next.Str("id") == stack.Str("id") || next.Str("id") == "1st1" {
		t.Fatalf("id reused after restart: %s", next.Str("id"))
	}
	// The reconciler still watches: a container removed by hand comes back.
	ds, _ := dockerStatus(t, d2, "keep-web-1")
	if err := d2.Engine.Remove(t.Context(), ds.ID); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		if st, ok := dockerStatus(t, d2, "keep-web-1"); !ok || st.ID == ds.ID || !st.Running {
			return "keep-web-1 not replaced"
		}
		return ""
	})
}
