package engine

import (
	"slices"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
)

// The default bridge's gateway is its IPv4 gateway, or the first address of its subnet
// when Docker lists the subnet alone (Docker 20.10 does).
func TestBridgeGatewayUnit(t *testing.T) {
	tests := []struct {
		name string
		cfgs []network.IPAMConfig
		want string
	}{
		{"gateway", []network.IPAMConfig{{Subnet: "172.17.0.0/16", Gateway: "172.17.0.1"}},
			"172.17.0.1"},
		{"subnet only", []network.IPAMConfig{{Subnet: "172.17.0.0/16"}}, "172.17.0.1"},
		{"bip off the first address", []network.IPAMConfig{{Subnet: "10.9.0.0/24",
			Gateway: "10.9.0.5"}}, "10.9.0.5"},
		{"ipv6 first", []network.IPAMConfig{{Subnet: "fd00::/64", Gateway: "fd00::1"},
			{Subnet: "172.18.0.0/16"}}, "172.18.0.1"},
		{"ipv6 only", []network.IPAMConfig{{Subnet: "fd00::/64", Gateway: "fd00::1"}},
			"fd00::1"},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		got, err := bridgeGateway(tt.cfgs)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

// A container publishing a port on two addresses lists both, once each.
func TestPublishedOnUnit(t *testing.T) {
	ports := []container.Port{
		{IP: "127.0.0.1", PrivatePort: 8080, PublicPort: 60000, Type: "tcp"},
		{IP: "172.17.0.1", PrivatePort: 8080, PublicPort: 60000, Type: "tcp"},
		{IP: "172.17.0.1", PrivatePort: 8080, PublicPort: 60000, Type: "udp"},
		{PrivatePort: 9090, Type: "tcp"},
	}
	ips, ok := publishedOn(ports, 60000)
	if !ok || !slices.Equal(ips, []string{"127.0.0.1", "172.17.0.1"}) {
		t.Errorf("publishedOn(60000) = %v, %v", ips, ok)
	}
	if _, ok := publishedOn(ports, 9090); ok {
		t.Error("an unpublished container port counts as published")
	}
}
