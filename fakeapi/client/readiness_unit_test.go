package client_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func TestReady(t *testing.T) {
	cases := []struct {
		state, health string
		want          bool
	}{
		{"active", "healthy", true},
		{"active", "started-once", true},
		{"active", "initializing", false},
		{"active", "unhealthy", false},
		{"activating", "healthy", false},
		{"upgraded", "healthy", false},
	}
	for _, c := range cases {
		svc := client.Resource{"state": c.state, "healthState": c.health}
		if got := client.Ready(svc); got != c.want {
			t.Errorf("Ready(%s, %s) = %v", c.state, c.health, got)
		}
	}
}

func TestEndpoints(t *testing.T) {
	svc := client.Resource{"publicEndpoints": []any{
		map[string]any{"ipAddress": "127.0.0.1", "port": float64(60000)},
		map[string]any{"ipAddress": "127.0.0.1", "port": float64(60000)},
		map[string]any{"ipAddress": "0.0.0.0", "port": "8443"},
		map[string]any{"ipAddress": "::1", "port": float64(9000)},
		map[string]any{"ipAddress": "127.0.0.1"},
	}}
	var got []string
	for _, e := range client.Endpoints(svc) {
		got = append(got, e.URL())
	}
	want := []string{"http://127.0.0.1:60000", "http://127.0.0.1:8443", "http://[::1]:9000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Endpoints = %v, want %v", got, want)
	}
	if eps := client.Endpoints(client.Resource{}); len(eps) != 0 {
		t.Errorf("no publicEndpoints gave %v", eps)
	}
}

func TestVolumeNames(t *testing.T) {
	svc := client.Resource{
		"launchConfig": map[string]any{"dataVolumes": []any{"data:/data", "/global/x:/x",
			"./src:/src", "/anon", "cache:/cache:ro"}},
		"secondaryLaunchConfigs": []any{map[string]any{"dataVolumes": []any{"data:/d2",
			"logs:/logs"}}},
	}
	want := []string{"cache", "data", "logs"}
	if got := client.VolumeNames(svc); !reflect.DeepEqual(got, want) {
		t.Errorf("VolumeNames = %v, want %v", got, want)
	}
}

func TestStartedAndUnfinished(t *testing.T) {
	no := false
	p := &compose.Project{Services: []compose.Service{{Name: "db"}, {Name: "app"},
		{Name: "job", StartOnCreate: &no}, {Name: "web"}}}
	if got := client.Started(p); !reflect.DeepEqual(got, []string{"db", "app", "web"}) {
		t.Errorf("Started = %v", got)
	}
	d := &client.Deployment{Services: []client.Resource{{"name": "db"}}}
	if got := d.Unfinished(p); !reflect.DeepEqual(got, []string{"app"}) {
		t.Errorf("Unfinished = %v", got)
	}
}

func TestNotReadyErrorText(t *testing.T) {
	cause := errors.New("timed out")
	e := &client.NotReadyError{Stack: "demo", Cause: cause, Services: []client.ServiceReport{
		{Name: "web", State: "active", Health: "unhealthy", Message: "",
			Containers: []client.ContainerReport{
				{Name: "demo-web-1", State: "running", Health: "unhealthy",
					Message: "health check failed", Lines: []client.LogLine{{Text: "boom"}}},
				{Name: "demo-web-2", State: "error", LogError: "no logs"},
			}},
		{Name: "db", Missing: true},
	}}
	text := e.Error()
	for _, want := range []string{"stack demo is not ready: timed out",
		`service web: state=active health=unhealthy message=""`,
		`container demo-web-1: state=running health=unhealthy message="health check failed"`,
		"last 1 log lines:\n    | boom", "container demo-web-2: state=error health=-",
		"no log: no logs", "service db: not created"} {
		if !strings.Contains(text, want) {
			t.Errorf("error text lacks %q:\n%s", want, text)
		}
	}
	if !errors.Is(e, cause) {
		t.Error("NotReadyError does not unwrap to its cause")
	}
}
