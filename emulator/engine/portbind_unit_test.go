package engine

import (
	"reflect"
	"testing"

	"github.com/docker/go-connections/nat"
)

// Ports that name no host IP bind to BindHost and, when given, to ExtraBindHost as well
// (Docker's host gateway); ports with a host IP, and those BindHost already covers, bind
// once.
func TestPortBindingsExtraHostUnit(t *testing.T) {
	const gw = "172.17.0.1"
	tcp, udp := nat.Port("8080/tcp"), nat.Port("53/udp")
	tests := []struct {
		name            string
		ports           []any
		bindHost, extra string
		bindings        nat.PortMap
	}{
		{"no extra host", []any{"60000:8080"}, "127.0.0.1", "",
			nat.PortMap{tcp: {{HostIP: "127.0.0.1", HostPort: "60000"}}}},
		{"extra host", []any{"60000:8080", "5353:53/udp"}, "127.0.0.1", gw,
			nat.PortMap{
				tcp: {{HostIP: "127.0.0.1", HostPort: "60000"}, {HostIP: gw, HostPort: "60000"}},
				udp: {{HostIP: "127.0.0.1", HostPort: "5353"}, {HostIP: gw, HostPort: "5353"}},
			}},
		{"explicit host ip", []any{"127.0.0.1:60000:8080"}, "127.0.0.1", gw,
			nat.PortMap{tcp: {{HostIP: "127.0.0.1", HostPort: "60000"}}}},
		{"explicit other ip", []any{"192.0.2.5:60000:8080"}, "127.0.0.1", gw,
			nat.PortMap{tcp: {{HostIP: "192.0.2.5", HostPort: "60000"}}}},
		{"bind host is every address", []any{"60000:8080"}, "0.0.0.0", gw,
			nat.PortMap{tcp: {{HostIP: "0.0.0.0", HostPort: "60000"}}}},
		{"bind host is the extra host", []any{"60000:8080"}, gw, gw,
			nat.PortMap{tcp: {{HostIP: gw, HostPort: "60000"}}}},
		{"container port only", []any{"8080"}, "127.0.0.1", gw, nat.PortMap{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, host, _, err := dockerConfig(Spec{BindHost: tt.bindHost, ExtraBindHost: tt.extra,
				LaunchConfig: map[string]any{"imageUuid": "docker:busybox", "ports": tt.ports}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(host.PortBindings, tt.bindings) {
				t.Errorf("bindings %v, want %v", host.PortBindings, tt.bindings)
			}
		})
	}
}

func TestIsWildcardHostUnit(t *testing.T) {
	for host, want := range map[string]bool{"": true, "0.0.0.0": true, "::": true,
		"[::]": true, "127.0.0.1": false, "::1": false, "172.17.0.1": false} {
		if got := IsWildcardHost(host); got != want {
			t.Errorf("IsWildcardHost(%q) = %v, want %v", host, got, want)
		}
	}
}
