package fakeapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// webServer serves HTTP on 8080 for upFor seconds, then stops listening but keeps running.
func webServer(upFor int, hc map[string]any) map[string]any {
	lc := sleeper()
	lc["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; " +
		"echo ok > /www/index.html; httpd -f -p 8080 -h /www & pid=$!; " +
		"sleep " + strconv.Itoa(upFor) + "; kill $pid; while true; do sleep 1; done"}
	lc["healthCheck"] = hc
	return lc
}

func check(extra map[string]any) map[string]any {
	hc := map[string]any{"port": 8080, "requestLine": "GET / HTTP/1.0", "interval": 300,
		"responseTimeout": 500, "healthyThreshold": 2, "unhealthyThreshold": 2,
		"initializingTimeout": 4000, "reinitializingTimeout": 4000}
	for k, v := range extra {
		hc[k] = v
	}
	return hc
}

func TestHealthCheckPassesAndFails(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "health")
	svc := createService(t, c, stack, "web",
		webServer(12, check(map[string]any{"strategy": "none"})), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	ct := instances(t, c, svc)[0]
	if h := ct.Str("healthState"); h != "initializing" && h != "healthy" {
		t.Fatalf("new container health %q", h)
	}
	apitest.Eventually(t, 20*time.Second, func() string {
		r := reload(t, c, svc)
		if r.Str("healthState") != "healthy" {
			return apitest.Errf("service health %s", r.Str("healthState"))
		}
		return ""
	})
	// The server stops: two failed checks make it unhealthy; strategy none keeps it.
	apitest.Eventually(t, 30*time.Second, func() string {
		r := reload(t, c, ct)
		if r.Str("healthState") != "unhealthy" {
			return apitest.Errf("container health %s", r.Str("healthState"))
		}
		if !strings.Contains(r.Str("transitioningMessage"), "health check failed") {
			return apitest.Errf("no reason: %q", r.Str("transitioningMessage"))
		}
		return ""
	})
	// Service and stack roll the change up on the next reconciler pass.
	apitest.Eventually(t, 10*time.Second, func() string {
		s, st := reload(t, c, svc), reload(t, c, stack)
		if s.Str("healthState") != "unhealthy" || st.Str("healthState") != "unhealthy" {
			return apitest.Errf("service %s, stack %s; want unhealthy",
				s.Str("healthState"), st.Str("healthState"))
		}
		return ""
	})
	if now := instances(t, c, svc); len(now) != 1 || now[0].Str("id") != ct.Str("id") {
		t.Errorf("strategy none replaced the container: %v", now)
	}
}

// With strategy recreate, a container that never passes is replaced after its
// initializing timeout, and the reason is shown.
func TestHealthCheckRecreatesNeverHealthy(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "nohealth")
	lc := sleeper()
	lc["healthCheck"] = check(map[string]any{"port": 9999, "requestLine": ""})
	svc := createService(t, c, stack, "web", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	first := instances(t, c, svc)[0]
	apitest.Eventually(t, 10*time.Second, func() string {
		r := reload(t, c, first)
		if !strings.Contains(r.Str("transitioningMessage"), "port 9999") {
			return apitest.Errf("reason %q", r.Str("transitioningMessage"))
		}
		return ""
	})
	if h := reload(t, c, svc).Str("healthState"); h != "initializing" {
		t.Errorf("service health %s, want initializing", h)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		for _, ct := range instances(t, c, svc) {
			if ct.Str("id") != first.Str("id") && ct.Str("name") == "nohealth-web-1" {
				return ""
			}
		}
		return "not replaced yet"
	})
}

// A check that never passes ends unhealthy with the reason once the initializing timeout
// is over, also with strategy none, which keeps the container; the service says so too.
func TestHealthCheckNeverPassingEndsUnhealthy(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "neverok")
	lc := sleeper()
	lc["healthCheck"] = check(map[string]any{"port": 9999, "requestLine": "",
		"initializingTimeout": 1500, "strategy": "none"})
	svc := createService(t, c, stack, "web", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, reload(t, c, svc), "active")
	ct := instances(t, c, svc)[0]
	apitest.Eventually(t, 20*time.Second, func() string {
		r := reload(t, c, ct)
		msg := r.Str("transitioningMessage")
		if r.Str("healthState") != "unhealthy" || !strings.Contains(msg, "port 9999") {
			return apitest.Errf("container %s %q, want unhealthy naming port 9999",
				r.Str("healthState"), msg)
		}
		if s := reload(t, c, svc); s.Str("healthState") != "unhealthy" {
			return apitest.Errf("service health %s, want unhealthy", s.Str("healthState"))
		}
		return ""
	})
	if now := instances(t, c, svc); len(now) != 1 || now[0].Str("id") != ct.Str("id") {
		t.Errorf("strategy none replaced the container: %v", now)
	}
}
