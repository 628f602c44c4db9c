package emulator

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

func TestRetainedAddressesUnit(t *testing.T) {
	e, _ := newEmu(t)
	st := mustStack(t, e, "keep")
	scale := 2
	lc := map[string]any{"imageUuid": "docker:nginx:1.25"}
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: "app", StackID: st.ID,
		Scale: &scale, LaunchConfig: lc, RetainIP: true})
	if err != nil {
		t.Fatal(err)
	}
	n := engine.Network{Name: "net", Subnet: netip.MustParsePrefix("10.42.0.0/23"),
		Dynamic: netip.MustParsePrefix("10.42.0.0/24")}
	unit := func(index int, sidekick string) string {
		e.mu.Lock()
		id := "1i" + sidekick + string(rune('0'+index))
		e.containers[id] = &Container{Meta: Meta{ID: id}, ServiceID: svc.ID,
			ServiceIndex: index, LaunchConfig: sidekick}
		e.mu.Unlock()
		return e.assignAddress(id, engine.Spec{Network: "net", LaunchConfig: lc}, n).
			IPv4Address
	}
	// 10.42.1.0 is skipped: a .0 address confuses some programs.
	first, second := unit(1, ""), unit(2, "")
	if first != "10.42.1.1" || second != "10.42.1.2" {
		t.Fatalf("addresses = %s, %s; want 10.42.1.1, 10.42.1.2", first, second)
	}
	if again := unit(1, ""); again != first {
		t.Fatalf("replacement of unit 1 got %s, want %s", again, first)
	}
	if side := unit(1, "sk"); side != "10.42.1.3" {
		t.Fatalf("sidekick of unit 1 got %s", side)
	}

	// A kept address outside the network (the network was made again) is replaced.
	e.mu.Lock()
	e.services[svc.ID].RetainedIPs["2"] = "172.30.0.9"
	e.mu.Unlock()
	if moved := unit(2, ""); moved != "10.42.1.2" {
		t.Fatalf("address after the network changed: %s", moved)
	}

	// None for a member that shares another's network, or on a network without a fixed
	// subnet.
	e.mu.Lock()
	e.containers["1ix"] = &Container{Meta: Meta{ID: "1ix"}, ServiceID: svc.ID,
		ServiceIndex: 3}
	e.mu.Unlock()
	shared := engine.Spec{Network: "net", LaunchConfig: lc, NetworkContainer: "abc"}
	if got := e.assignAddress("1ix", shared, n).IPv4Address; got != "" {
		t.Fatalf("a member sharing a network got %s", got)
	}
	plain := engine.Spec{Network: "net", LaunchConfig: lc}
	if got := e.assignAddress("1ix", plain, engine.Network{Name: "net"}).IPv4Address; got != "" {
		t.Fatalf("a network without a fixed subnet gave %s", got)
	}
}

// The kept range runs out without wrapping into Docker's range or the broadcast address.
func TestFreeReservedEndsAtTheRangeUnit(t *testing.T) {
	e, _ := newEmu(t)
	n := engine.Network{Subnet: netip.MustParsePrefix("192.168.5.0/28"),
		Dynamic: netip.MustParsePrefix("192.168.5.0/29")}
	st := mustStack(t, e, "full")
	svc := mustService(t, e, st.ID, "app", 1)
	var got []string
	for {
		addr, ok := e.freeReserved(testPID, n)
		if !ok {
			break
		}
		got = append(got, addr.String())
		e.mu.Lock()
		s := e.services[svc.ID]
		if s.RetainedIPs == nil {
			s.RetainedIPs = map[string]string{}
		}
		s.RetainedIPs[addr.String()] = addr.String()
		e.mu.Unlock()
	}
	want := []string{"192.168.5.8", "192.168.5.9", "192.168.5.10", "192.168.5.11",
		"192.168.5.12", "192.168.5.13", "192.168.5.14"}
	if !slices.Equal(got, want) {
		t.Fatalf("kept range = %v, want %v", got, want)
	}
}
