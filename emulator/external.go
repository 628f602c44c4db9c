package emulator

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// External services (cattle-semantics 4.7): a name for IP addresses outside the
// environment, or for another host name, with no containers of its own.

// externalIPs returns an external service's externalIpAddresses.
func externalIPs(svc *Service) []string {
	var out []string
	switch v := svc.Extra["externalIpAddresses"].(type) {
	case []any:
		for _, ip := range v {
			out = append(out, fmt.Sprint(ip))
		}
	case []string:
		out = append(out, v...)
	}
	return out
}

// externalHostname returns an external service's hostname, lower case without a final dot.
func externalHostname(svc *Service) string {
	h, _ := svc.Extra["hostname"].(string)
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// dnsLabel is one label of a host name.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$`)

// checkExternal refuses an external service without exactly one of externalIpAddresses
// (IP addresses) and hostname (a host name), as Cattle did.
func checkExternal(name string, extra map[string]any) error {
	probe := &Service{Extra: extra}
	ips, host := externalIPs(probe), externalHostname(probe)
	if raw, ok := extra["externalIpAddresses"]; ok {
		switch raw.(type) {
		case []any, []string:
		default:
			return invalid("InvalidType", "externalIpAddresses", fmt.Sprintf(
				"external service %s: externalIpAddresses must be a list of IP addresses",
				name))
		}
	}
	switch {
	case len(ips) > 0 && host != "":
		return invalid("InvalidOption", "hostname", fmt.Sprintf("external service %s has "+
			"both external_ips and hostname; give one of them", name))
	case len(ips) == 0 && host == "":
		return invalid("MissingRequired", "externalIpAddresses", fmt.Sprintf(
			"external service %s needs external_ips (IP addresses) or hostname (a host "+
				"name) to point at", name))
	}
	for _, ip := range ips {
		if _, err := netip.ParseAddr(ip); err != nil {
			return invalid("InvalidFormat", "externalIpAddresses", fmt.Sprintf(
				"external service %s: %q in external_ips is not an IP address", name, ip))
		}
	}
	if host == "" {
		return nil
	}
	for _, label := range strings.Split(host, ".") {
		if !dnsLabel.MatchString(label) {
			return invalid("InvalidFormat", "hostname", fmt.Sprintf("external service %s: "+
				"hostname %q is not a host name (letters, digits and - in dot-separated "+
				"labels)", name, host))
		}
	}
	return nil
}

// lookup is the last resolution of an external service's hostname.
type lookup struct {
	addrs []string
	err   error
	at    time.Time
}

// How long a hostname's addresses are kept: a failure is retried sooner.
const (
	lookupTTL     = time.Minute
	lookupFailTTL = 10 * time.Second
	lookupTimeout = 3 * time.Second
)

// lookupHost resolves a host name on the daemon's machine; tests replace it.
var lookupHost = net.DefaultResolver.LookupHost

// refreshLookups resolves the hostnames of external services whose answer is missing or
// old, and shows a hostname that does not resolve in its service's transitioningMessage.
// Cattle answered such names with a CNAME; a hosts file can hold only addresses, so the
// daemon resolves the name and containers get what it resolved to.
func (e *Emulator) refreshLookups(ctx context.Context) {
	now := time.Now()
	e.mu.Lock()
	wanted := map[string]bool{}
	var due []string
	for _, svc := range e.services {
		h := externalHostname(svc)
		if svc.Type != KindExternal || h == "" || !answersByName(svc) {
			continue
		}
		wanted[h] = true
		l, ok := e.lookups[h]
		ttl := lookupTTL
		if l.err != nil {
			ttl = lookupFailTTL
		}
		if (!ok || now.Sub(l.at) > ttl) && !slices.Contains(due, h) {
			due = append(due, h)
		}
	}
	for h := range e.lookups {
		if !wanted[h] {
			delete(e.lookups, h)
		}
	}
	e.mu.Unlock()

	results := resolveAll(ctx, due)
	e.mu.Lock()
	defer e.mu.Unlock()
	for h, l := range results {
		e.lookups[h] = l
	}
	for _, svc := range sortedValues(e.services) {
		h := externalHostname(svc)
		if svc.Type != KindExternal || h == "" || !answersByName(svc) {
			continue
		}
		msg := ""
		if err := e.lookups[h].err; err != nil {
			msg = fmt.Sprintf("hostname %s does not resolve, so neither does %s: %v", h,
				svc.Name, err)
		}
		if svc.TransitioningMessage != msg && svc.State == "active" {
			svc.TransitioningMessage = msg
			e.persist(svc)
		}
	}
}

// resolveAll looks up host names at once, each within lookupTimeout.
func resolveAll(ctx context.Context, hosts []string) map[string]lookup {
	out := make(map[string]lookup, len(hosts))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Go(func() {
			l := lookup{at: time.Now()}
			if ip, err := netip.ParseAddr(h); err == nil {
				l.addrs = []string{ip.String()}
			} else {
				cctx, cancel := context.WithTimeout(ctx, lookupTimeout)
				l.addrs, l.err = lookupHost(cctx, h)
				cancel()
				sortAddrs(l.addrs)
			}
			mu.Lock()
			out[h] = l
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
