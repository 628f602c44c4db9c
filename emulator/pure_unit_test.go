package emulator

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestFormatIDUnit(t *testing.T) {
	tests := []struct {
		prefix string
		n      uint64
		want   string
	}{
		{prefixStack, 11, "1st11"},
		{prefixService, 12, "1s12"},
		{prefixContainer, 13, "1i13"},
		{prefixLink, 1, "1scm1"},
		{prefixService, 0, "1s0"},
		{prefixService, 18446744073709551615, "1s18446744073709551615"},
	}
	for _, tt := range tests {
		if got := formatID(tt.prefix, tt.n); got != tt.want {
			t.Errorf("formatID(%q, %d) = %q, want %q", tt.prefix, tt.n, got, tt.want)
		}
	}
}

func TestHasPrefixUnit(t *testing.T) {
	tests := []struct {
		id, prefix string
		want       bool
	}{
		{"1st11", prefixStack, true},
		{"1s12", prefixService, true},
		{"1i13", prefixContainer, true},
		{"1scm4", prefixLink, true},
		// A stack id is not a service id although both start with "1s".
		{"1st11", prefixService, false},
		{"1scm4", prefixService, false},
		{"1s12", prefixStack, false},
		{"1i13", prefixService, false},
		{"1s", prefixService, false},
		{"1st", prefixStack, false},
		{"", prefixService, false},
		{"s12", prefixService, false},
		{"2s12", prefixService, false},
		{"1S12", prefixService, false},
		{"1s12a", prefixService, false},
		{"1s-1", prefixService, false},
		{"1s1 2", prefixService, false},
		{"1s１", prefixService, false}, // full-width digit
		{"web", prefixService, false},
		{"1a5", "a", true},
	}
	for _, tt := range tests {
		if got := hasPrefix(tt.id, tt.prefix); got != tt.want {
			t.Errorf("hasPrefix(%q, %q) = %v, want %v", tt.id, tt.prefix, got, tt.want)
		}
	}
}

func TestFormatIDRoundTripsThroughHasPrefixUnit(t *testing.T) {
	prefixes := []string{prefixStack, prefixService, prefixContainer, prefixLink}
	for _, p := range prefixes {
		for _, n := range []uint64{1, 9, 10, 12345} {
			id := formatID(p, n)
			for _, q := range prefixes {
				if got := hasPrefix(id, q); got != (p == q) {
					t.Errorf("hasPrefix(%q, %q) = %v, want %v", id, q, got, p == q)
				}
			}
		}
	}
}

func TestActionsUnit(t *testing.T) {
	tests := []struct {
		kind, state string
		has, hasNot []string
	}{
		{KindService, "inactive",
			[]string{"activate", "upgrade", "setservicelinks", "update", "remove"},
			[]string{"deactivate", "restart", "finishupgrade", "rollback"}},
		{KindService, "active",
			[]string{"deactivate", "restart", "upgrade", "setservicelinks", "update", "remove"},
			[]string{"activate", "finishupgrade", "rollback"}},
		{KindService, "upgraded",
			[]string{"finishupgrade", "rollback", "setservicelinks", "remove"},
			[]string{"deactivate", "activate", "update", "upgrade", "restart"}},
		{KindService, "upgrading",
			[]string{"rollback", "cancelupgrade", "remove"},
			[]string{"deactivate", "activate", "finishupgrade", "update"}},
		{KindService, "canceled-upgrade",
			[]string{"rollback", "remove"},
			[]string{"deactivate", "activate", "update", "finishupgrade"}},
		{KindService, "activating", []string{"deactivate"}, []string{"activate", "upgrade"}},
		{KindService, "deactivating", []string{"remove"}, []string{"activate", "deactivate"}},
		{KindService, "removed", nil, []string{"remove", "activate", "deactivate"}},
		{"loadBalancerService", "inactive", []string{"activate"}, []string{"deactivate"}},
		{"dnsService", "active", []string{"deactivate"}, []string{"activate"}},
		{"externalService", "upgraded", []string{"finishupgrade"}, []string{"deactivate"}},
		{KindContainer, "running",
			[]string{"stop", "restart", "execute", "logs", "remove"}, []string{"start"}},
		{KindContainer, "stopped",
			[]string{"start", "logs", "remove"}, []string{"stop", "restart", "execute"}},
		{KindContainer, "removed", nil, []string{"start", "stop", "logs", "remove"}},
		{KindStack, "active",
			[]string{"activateservices", "deactivateservices", "exportconfig", "remove"},
			[]string{"activate", "deactivate"}},
		{KindStack, "removed", nil, []string{"remove", "activateservices"}},
		{KindHost, "active", []string{"deactivate"}, []string{"activate"}},
		{KindHost, "inactive", []string{"activate"}, []string{"deactivate"}},
		{KindProject, "active", nil, []string{"activate", "deactivate", "remove"}},
		{"volume", "inactive", nil, []string{"activate", "remove"}},
	}
	for _, tt := range tests {
		got := Actions(tt.kind, tt.state)
		for _, a := range tt.has {
			if !slices.Contains(got, a) {
				t.Errorf("Actions(%s, %s) = %v, missing %q", tt.kind, tt.state, got, a)
			}
			if !allows(tt.kind, tt.state, a) {
				t.Errorf("allows(%s, %s, %s) = false, want true", tt.kind, tt.state, a)
			}
		}
		for _, a := range tt.hasNot {
			if slices.Contains(got, a) {
				t.Errorf("Actions(%s, %s) = %v, must not offer %q", tt.kind, tt.state, got, a)
			}
			if allows(tt.kind, tt.state, a) {
				t.Errorf("allows(%s, %s, %s) = true, want false", tt.kind, tt.state, a)
			}
		}
		if tt.has == nil && len(got) != 0 {
			t.Errorf("Actions(%s, %s) = %v, want none", tt.kind, tt.state, got)
		}
	}
}

// The CLI takes the first of stop/deactivate/deactivateservices and of
// start/activate/activateservices it finds; exactly the right one must be there.
func TestActionsExactSetsUnit(t *testing.T) {
	tests := []struct {
		kind, state string
		want        []string
	}{
		{KindService, "inactive", []string{"activate", "remove", "setservicelinks", "update",
			"upgrade"}},
		{KindService, "active", []string{"deactivate", "remove", "restart", "setservicelinks",
			"update", "upgrade"}},
		{KindService, "upgraded", []string{"finishupgrade", "remove", "rollback",
			"setservicelinks"}},
		{KindContainer, "running", []string{"execute", "logs", "remove", "restart", "stop"}},
		{KindContainer, "stopped", []string{"logs", "remove", "start"}},
	}
	for _, tt := range tests {
		got := slices.Clone(Actions(tt.kind, tt.state))
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Actions(%s, %s) = %v, want %v", tt.kind, tt.state, got, tt.want)
		}
	}
}

func TestTransitioningForUnit(t *testing.T) {
	tests := map[string]string{
		"registering": "yes", "activating": "yes", "deactivating": "yes", "removing": "yes",
		"restarting": "yes", "creating": "yes", "starting": "yes", "stopping": "yes",
		"requested": "yes", "updating-active": "yes", "updating-inactive": "yes",
		"upgrading": "yes", "finishing-upgrade": "yes", "rolling-back": "yes",
		"canceling-upgrade": "yes",
		"error":             "error",
		"active":            "no", "inactive": "no", "running": "no", "stopped": "no",
		"removed": "no", "upgraded": "no", "canceled-upgrade": "no",
	}
	for state, want := range tests {
		if got := transitioningFor(state); got != want {
			t.Errorf("transitioningFor(%q) = %q, want %q", state, got, want)
		}
	}
}

func TestSetStateUnit(t *testing.T) {
	var m Meta
	setState(&m, "activating", "In Progress")
	if m.State != "activating" || m.Transitioning != "yes" ||
		m.TransitioningMessage != "In Progress" || m.Removed != nil {
		t.Fatalf("after activating: %+v", m)
	}
	setState(&m, "error", "boom")
	if m.Transitioning != "error" || m.TransitioningMessage != "boom" {
		t.Fatalf("after error: %+v", m)
	}
	setState(&m, "removed", "")
	if m.Removed == nil || m.Transitioning != "no" || m.TransitioningMessage != "" {
		t.Fatalf("after removed: %+v", m)
	}
	first := *m.Removed
	setState(&m, "removed", "")
	if !m.Removed.Equal(first) {
		t.Errorf("removing twice moved the removed stamp from %v to %v", first, *m.Removed)
	}
}

func TestValidStackNameUnit(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"Default", true},
		{"my-stack", true},
		{"stack1", true},
		{"1stack", true},
		{"a--b", true}, // stacks, unlike services, may hold "--"
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"-a", false},
		{"a-", false},
		{"-", false},
		{"my_stack", false},
		{"my.stack", false},
		{"my stack", false},
		{"a/b", false},
		{"stäck", false},
	}
	for _, tt := range tests {
		err := validStackName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("validStackName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if err != nil {
			assertAPIError(t, err, 422, "InvalidCharacters", "name")
		}
	}
}

func TestValidServiceNameUnit(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"web", true},
		{"Web", true},
		{"w", true},
		{"1web", true},
		{"web-1", true},
		{"a-b-c", true},
		{strings.Repeat("s", 63), true},
		{strings.Repeat("s", 64), false},
		{"", false},
		{"-web", false},
		{"web-", false},
		{"we--b", false},
		{"web_1", false},
		{"web.1", false},
		{"we b", false},
		{"a/b", false},
		{"wéb", false},
		{"ébc", false},
	}
	for _, tt := range tests {
		err := validServiceName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("validServiceName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if err != nil {
			assertAPIError(t, err, 422, "InvalidCharacters", "name")
		}
	}
}

func TestContainerNameUnit(t *testing.T) {
	tests := []struct {
		stack, service, sidekick string
		n                        int
		want                     string
	}{
		{"demo", "web", "", 1, "demo-web-1"},
		{"demo", "web", "", 12, "demo-web-12"},
		{"demo", "web", "logger", 2, "demo-web-logger-2"},
		{"My-Stack", "Api", "", 3, "My-Stack-Api-3"},
	}
	for _, tt := range tests {
		if got := containerName(tt.stack, tt.service, tt.sidekick, tt.n); got != tt.want {
			t.Errorf("containerName(%q, %q, %q, %d) = %q, want %q", tt.stack, tt.service,
				tt.sidekick, tt.n, got, tt.want)
		}
	}
}

func TestLowestFreeUnit(t *testing.T) {
	tests := []struct {
		used []int
		want int
	}{
		{nil, 1},
		{[]int{1}, 2},
		{[]int{1, 2, 3}, 4},
		{[]int{1, 3}, 2},
		{[]int{2, 3}, 1},
		{[]int{1, 2, 4, 5}, 3},
		{[]int{0, -1}, 1}, // only positive numbers count
	}
	for _, tt := range tests {
		used := map[int]bool{}
		for _, u := range tt.used {
			used[u] = true
		}
		if got := lowestFree(used); got != tt.want {
			t.Errorf("lowestFree(%v) = %d, want %d", tt.used, got, tt.want)
		}
	}
	// A false entry is a free number.
	if got := lowestFree(map[int]bool{1: true, 2: false}); got != 2 {
		t.Errorf("lowestFree({1:true, 2:false}) = %d, want 2", got)
	}
}

func TestRollUpUnit(t *testing.T) {
	tests := []struct {
		expected, healthy, initializing, once int
		want                                  string
	}{
		{1, 0, 0, 0, "unhealthy"},
		{1, 1, 0, 0, "healthy"},
		{3, 1, 0, 0, "degraded"},
		{3, 1, 1, 0, "initializing"}, // initializing wins over degraded
		{3, 3, 0, 0, "healthy"},
		{3, 4, 0, 0, "healthy"}, // a scale-down in progress
		{0, 0, 0, 0, "healthy"},
		{2, 0, 0, 2, "started-once"},
		{2, 1, 0, 1, "healthy"},
		{2, 0, 2, 0, "initializing"},
	}
	for _, tt := range tests {
		got := rollUp(tt.expected, tt.healthy, tt.initializing, tt.once)
		if got != tt.want {
			t.Errorf("rollUp(%+v) = %q, want %q", tt, got, tt.want)
		}
	}
}

func TestStackHealthUnit(t *testing.T) {
	on := func(h string) memberHealth { return memberHealth{active: true, health: h} }
	off := func(h string) memberHealth { return memberHealth{active: false, health: h} }
	tests := []struct {
		members []memberHealth
		want    string
	}{
		{nil, "healthy"},
		{[]memberHealth{on("healthy")}, "healthy"},
		{[]memberHealth{on("healthy"), on("healthy")}, "healthy"},
		{[]memberHealth{on("healthy"), on("unhealthy")}, "degraded"},
		{[]memberHealth{on("healthy"), on("degraded")}, "degraded"},
		{[]memberHealth{on("unhealthy")}, "unhealthy"},
		{[]memberHealth{on("initializing"), on("unhealthy")}, "initializing"},
		// A stopped service: the stack is degraded, or unhealthy when all are stopped.
		{[]memberHealth{on("healthy"), off("unhealthy")}, "degraded"},
		{[]memberHealth{off("unhealthy"), off("unhealthy")}, "unhealthy"},
		{[]memberHealth{on("started-once")}, "started-once"},
		{[]memberHealth{on("healthy"), on("started-once")}, "healthy"},
	}
	for _, tt := range tests {
		if got := stackHealth(tt.members); got != tt.want {
			t.Errorf("stackHealth(%+v) = %q, want %q", tt.members, got, tt.want)
		}
	}
}

func assertAPIError(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	if ae.Status != status || ae.Code != code || (field != "" && ae.FieldName != field) {
		t.Errorf("error = %+v, want status %d code %s field %q", ae, status, code, field)
	}
}
