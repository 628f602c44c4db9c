package engine

import (
	"reflect"
	"testing"

	"github.com/docker/docker/api/types/network"
)

func TestSplitSubnetUnit(t *testing.T) {
	tests := []struct {
		name   string
		cfgs   []network.IPAMConfig
		want   network.IPAMConfig
		wantOK bool
	}{
		{"docker-pool", []network.IPAMConfig{{Subnet: "172.21.0.0/16", Gateway: "172.21.0.1"}},
			network.IPAMConfig{Subnet: "172.21.0.0/16", Gateway: "172.21.0.1",
				IPRange: "172.21.0.0/17"}, true},
		{"small-pool", []network.IPAMConfig{{Subnet: "10.9.8.0/24"}},
			network.IPAMConfig{Subnet: "10.9.8.0/24", IPRange: "10.9.8.0/25"}, true},
		{"ipv6-first", []network.IPAMConfig{{Subnet: "fd00::/64"},
			{Subnet: "192.168.32.0/20", Gateway: "192.168.32.1"}},
			network.IPAMConfig{Subnet: "192.168.32.0/20", Gateway: "192.168.32.1",
				IPRange: "192.168.32.0/21"}, true},
		{"too-small", []network.IPAMConfig{{Subnet: "10.0.0.0/29"}},
			network.IPAMConfig{}, false},
		{"none", nil, network.IPAMConfig{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := splitSubnet(tt.cfgs)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("splitSubnet = %+v %v, want %+v %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNetworkInfoUnit(t *testing.T) {
	pinned := networkInfo(network.Inspect{Name: "n", IPAM: network.IPAM{Config: []network.
		IPAMConfig{{Subnet: "172.21.0.0/16", IPRange: "172.21.0.0/17"}}}})
	if !pinned.Pinned() || pinned.Subnet.String() != "172.21.0.0/16" ||
		pinned.Dynamic.String() != "172.21.0.0/17" {
		t.Fatalf("pinned network read as %+v", pinned)
	}
	// Docker shows the subnet it chose itself too; without a range it is not fixed.
	plain := networkInfo(network.Inspect{Name: "n", IPAM: network.IPAM{Config: []network.
		IPAMConfig{{Subnet: "172.22.0.0/16", Gateway: "172.22.0.1"}}}})
	if plain.Pinned() {
		t.Fatalf("network without a range read as pinned: %+v", plain)
	}
}
