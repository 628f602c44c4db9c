package fakeapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// The log follower of `up` also follows containers made after it started.
func TestFollowStackPicksUpNewContainers(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "follow")
	lc := sleeper()
	lc["command"] = []string{"sh", "-c", "echo hello from $(hostname); trap 'exit 0' TERM; " +
		"while true; do sleep 1; done"}
	svc := createService(t, c, stack, "app", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	var out apitest.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { c.FollowStack(ctx, stack.Str("id"), &out, &out); close(done) }()
	defer func() { cancel(); <-done }()
	apitest.Eventually(t, 20*time.Second, func() string {
		if !strings.Contains(out.String(), "follow-app-1 | ") {
			return apitest.Errf("no line of follow-app-1 yet: %q", out.String())
		}
		return ""
	})
	if err := c.Do(t.Context(), "PUT", svc.Link("self"), map[string]any{"scale": 2},
		nil); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		if !strings.Contains(out.String(), "follow-app-2 | ") {
			return apitest.Errf("the new container is not followed: %q", out.String())
		}
		return ""
	})
}
