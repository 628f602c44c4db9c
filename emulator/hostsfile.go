package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// hostsEntry is one address and the names that resolve to it.
type hostsEntry struct {
	addr  string
	names []string
}

// loopbackHosts are the lines Docker starts every /etc/hosts with.
var loopbackHosts = []hostsEntry{
	{"127.0.0.1", []string{"localhost"}},
	{"::1", []string{"localhost", "ip6-localhost", "ip6-loopback"}},
	{"fe00::0", []string{"ip6-localnet"}},
	{"ff00::0", []string{"ip6-mcastprefix"}},
	{"ff02::1", []string{"ip6-allnodes"}},
	{"ff02::2", []string{"ip6-allrouters"}},
}

// renderHosts writes a container's /etc/hosts as Docker would (loopback names, the launch
// config's extra hosts, the container's own address and hostname) followed by the Rancher
// names of the environment's external and alias services and the Spin public names of its
// published services.
func renderHosts(extra []hostsEntry, self *hostsEntry, rancher, public []hostsEntry) []byte {
	var b bytes.Buffer
	write := func(entries []hostsEntry) {
		for _, e := range entries {
			fmt.Fprintf(&b, "%s\t%s\n", e.addr, strings.Join(e.names, " "))
		}
	}
	write(loopbackHosts)
	write(extra)
	if self != nil {
		write([]hostsEntry{*self})
	}
	if len(rancher) > 0 {
		b.WriteString("# Rancher external and alias services, kept current by spinlocal\n")
		write(rancher)
	}
	if len(public) > 0 {
		b.WriteString("# Spin public names of published services, at Docker's host gateway, " +
			"kept current by spinlocal\n")
		write(public)
	}
	return b.Bytes()
}

// extraHosts parses a launch config's extraHosts ("name:addr", also "name=addr" as newer
// Docker takes them); gateway stands in for the address "host-gateway".
func extraHosts(list []string, gateway string) ([]hostsEntry, error) {
	var out []hostsEntry
	for _, raw := range list {
		name, addr, ok := strings.Cut(raw, "=")
		if !ok {
			name, addr, ok = strings.Cut(raw, ":")
		}
		name, addr = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(addr), "[]")
		if addr == "host-gateway" {
			addr = gateway
		}
		if _, err := netip.ParseAddr(addr); !ok || name == "" || err != nil {
			return nil, fmt.Errorf("extra_hosts entry %q: want NAME:ADDRESS, the address "+
				"an IP or host-gateway", raw)
		}
		out = append(out, hostsEntry{addr: addr, names: []string{name}})
	}
	return out, nil
}

// needsGateway reports whether an extraHosts list uses "host-gateway".
func needsGateway(list []string) bool {
	for _, raw := range list {
		if strings.HasSuffix(strings.TrimSpace(raw), "host-gateway") {
			return true
		}
	}
	return false
}

// writeHostsFile puts data into the file at path without replacing the file: the
// container's bind mount holds on to the inode, so a new file would go unseen. A reader
// may meet the old text or the new, never an empty file.
func writeHostsFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("hosts file: %w", err)
	}
	old, err := io.ReadAll(f)
	if err == nil && bytes.Equal(old, data) {
		return f.Close()
	}
	if err == nil {
		_, err = f.WriteAt(data, 0)
	}
	if err == nil {
		err = f.Truncate(int64(len(data)))
	}
	if err == nil {
		// The daemon's umask must not keep users in the container from reading it.
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("hosts file %s: %w", path, err)
	}
	return nil
}
