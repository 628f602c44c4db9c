package emulator

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spinlocal/spinlocal/emulator/dnsname"
)

// bucketProxy holds the reverse proxy entries, keyed by host name.
const bucketProxy = "proxyroutes"

// TLS modes of a proxy entry: the proxy terminates HTTPS with a certificate of the local
// CA and speaks HTTP to the service, or passes the TLS stream through to a service that
// terminates it itself, chosen by the SNI name.
const (
	ProxyTerminate   = "terminate"
	ProxyPassthrough = "passthrough"
)

// ProxyRoute is one entry of Spin's perimeter reverse proxy: a host name served by one
// port of one service. The service id ties it to the service, so removing the service
// clears the entry, as on Spin.
type ProxyRoute struct {
	Hostname  string    `json:"hostname"`
	AccountID string    `json:"accountId"`
	Owner     string    `json:"owner,omitempty"`
	StackID   string    `json:"stackId"`
	ServiceID string    `json:"serviceId"`
	Port      int       `json:"port"`
	TLS       string    `json:"tls"`
	Created   time.Time `json:"created"`
}

// ProxyRequest asks for an entry by names, as a user writes it.
type ProxyRequest struct {
	Hostname string `json:"hostname"`
	Stack    string `json:"stack"`
	Service  string `json:"service"`
	Port     int    `json:"port"`
	TLS      string `json:"tls"`
}

// ProxyEntry is an entry as listed: names instead of ids, and how many containers serve.
type ProxyEntry struct {
	Hostname    string `json:"hostname"`
	Environment string `json:"environment"`
	Stack       string `json:"stack"`
	Service     string `json:"service"`
	Port        int    `json:"port"`
	TLS         string `json:"tls"`
	Owner       string `json:"owner,omitempty"`
	Backends    int    `json:"backends"`
}

// ProxyTarget is what the proxy needs to serve a host name: where to send it.
type ProxyTarget struct {
	Entry ProxyEntry
	// Addrs are host:port of the service's running primary containers, healthy ones only
	// when any is healthy.
	Addrs []string
}

// SetProxyRoute adds or changes the caller's entry for a host name in environment pid.
func (e *Emulator) SetProxyRoute(caller Caller, pid string, in ProxyRequest) (ProxyEntry,
	error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.resolveProxy(caller, pid, in)
	if err != nil {
		return ProxyEntry{}, err
	}
	if err := e.store.Put(bucketProxy, r.Hostname, r); err != nil {
		return ProxyEntry{}, err
	}
	e.proxy[r.Hostname] = r
	e.log.Info("proxy entry set", "host", r.Hostname, "target", e.describeRoute(r),
		"tls", r.TLS)
	return e.proxyEntry(r), nil
}

// SyncProxyRoutes makes the caller's entries for one stack of environment pid exactly
// those asked for: all are checked before any is changed, so a bad one changes nothing.
func (e *Emulator) SyncProxyRoutes(caller Caller, pid, stack string, in []ProxyRequest) (
	[]ProxyEntry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	want := map[string]*ProxyRoute{}
	for _, req := range in {
		if req.Stack != stack {
			return nil, invalid("InvalidReference", "stack", fmt.Sprintf(
				"proxy entry %s is for stack %s, not %s", req.Hostname, req.Stack, stack))
		}
		r, err := e.resolveProxy(caller, pid, req)
		if err != nil {
			return nil, err
		}
		if _, dup := want[r.Hostname]; dup {
			return nil, invalid("NotUnique", "hostname", fmt.Sprintf(
				"host name %s is listed twice", r.Hostname))
		}
		want[r.Hostname] = r
	}
	var stale []*ProxyRoute
	for _, r := range e.proxy {
		st, ok := e.stacks[r.StackID]
		if r.AccountID == pid && r.Owner == caller.User && ok && st.Name == stack &&
			want[r.Hostname] == nil {
			stale = append(stale, r)
		}
	}
	err := e.store.Update(func(tx *storeTx) error {
		for _, r := range want {
			if err := tx.Put(bucketProxy, r.Hostname, r); err != nil {
				return err
			}
		}
		for _, r := range stale {
			if err := tx.Delete(bucketProxy, r.Hostname); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save proxy entries: %w", err)
	}
	for _, r := range stale {
		delete(e.proxy, r.Hostname)
		e.log.Info("proxy entry cleared", "host", r.Hostname, "reason", "not in the file")
	}
	out := make([]ProxyEntry, 0, len(want))
	for _, r := range sortedRoutes(want) {
		e.proxy[r.Hostname] = r
		out = append(out, e.proxyEntry(r))
	}
	return out, nil
}

func sortedRoutes(m map[string]*ProxyRoute) []*ProxyRoute {
	out := make([]*ProxyRoute, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Hostname < out[j].Hostname })
	return out
}

// resolveProxy checks a request against the model and makes its entry. Callers hold e.mu.
func (e *Emulator) resolveProxy(caller Caller, pid string, in ProxyRequest) (*ProxyRoute,
	error) {
	in.Hostname = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(in.Hostname), "."))
	if in.TLS == "" {
		in.TLS = ProxyTerminate
	}
	if err := CheckProxyRequest(in); err != nil {
		return nil, err
	}
	project, ok := e.projects[pid]
	if !ok {
		return nil, notFound()
	}
	if e.isPublicName(in.Hostname) {
		return nil, publicNameTaken(in.Hostname)
	}
	svc, err := e.proxyService(project, in.Stack, in.Service)
	if err != nil {
		return nil, err
	}
	if err := e.mayChange(caller, svc.StackID); err != nil {
		return nil, err
	}
	if old, ok := e.proxy[in.Hostname]; ok && old.Owner != caller.User && old.Owner != "" {
		return nil, &APIError{Status: 409, Code: "NotUnique", FieldName: "hostname",
			Message: fmt.Sprintf("host name %s is already proxied to %s (owner %s); pick "+
				"another name", in.Hostname, e.describeRoute(old), old.Owner)}
	} else if ok && old.StackID != svc.StackID {
		// One name, one stack: two stacks claiming it would take it from each other on
		// every deploy.
		return nil, &APIError{Status: 409, Code: "NotUnique", FieldName: "hostname",
			Message: fmt.Sprintf("host name %s is already proxied to %s, another stack; "+
				"remove it there first (spinlocal proxy rm %s, and from that stack's %s) "+
				"or pick another name", in.Hostname, e.describeRoute(old), in.Hostname,
				"spin-proxy.yml")}
	}
	return &ProxyRoute{Hostname: in.Hostname, AccountID: pid, Owner: caller.User,
		StackID: svc.StackID, ServiceID: svc.ID, Port: in.Port, TLS: in.TLS,
		Created: time.Now().UTC()}, nil
}

// CheckProxyRequest checks the parts of a request that need no state. An empty TLS mode
// stands for terminate.
func CheckProxyRequest(in ProxyRequest) error {
	if in.TLS == "" {
		in.TLS = ProxyTerminate
	}
	if err := checkProxyHostname(in.Hostname); err != nil {
		return err
	}
	if isFixedPublicName(strings.ToLower(in.Hostname)) {
		return publicNameTaken(in.Hostname)
	}
	if in.Stack == "" || in.Service == "" {
		return invalid("MissingRequired", "service",
			"a proxy entry needs a stack and a service")
	}
	if in.Port < 1 || in.Port > 65535 {
		return invalid("InvalidOption", "port", fmt.Sprintf(
			"port %d: the service's listening port must be 1-65535", in.Port))
	}
	if in.TLS != ProxyTerminate && in.TLS != ProxyPassthrough {
		return invalid("InvalidOption", "tls", fmt.Sprintf(
			"tls %q: want %s (the proxy serves HTTPS with the local CA) or %s (the "+
				"service terminates TLS itself)", in.TLS, ProxyTerminate, ProxyPassthrough))
	}
	return nil
}

// checkProxyHostname accepts a DNS name of two labels or more, not an address.
func checkProxyHostname(h string) error {
	bad := func(why string) error {
		return invalid("InvalidFormat", "hostname", fmt.Sprintf(
			"host name %q: %s (e.g. myapp.localhost or myapp.example.org)", h, why))
	}
	if h == "" {
		return bad("empty")
	}
	if net.ParseIP(h) != nil {
		return bad("an address, not a name")
	}
	if len(h) > 253 {
		return bad("longer than 253 characters")
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return bad("needs a domain")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad("each dot-separated part must be 1-63 characters, not starting " +
				"or ending with '-'")
		}
		for _, r := range l {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return bad(fmt.Sprintf("%q is not allowed; use letters, digits and '-'", r))
			}
		}
	}
	return nil
}

// proxyService finds a live service by stack and service name. Callers hold e.mu.
func (e *Emulator) proxyService(project *Project, stackName, svcName string) (*Service,
	error) {
	for _, st := range e.stacks {
		if st.AccountID != project.ID || st.Removed != nil || st.Name != stackName ||
			st.State == "removing" {
			continue
		}
		for _, svc := range e.services {
			if svc.StackID == st.ID && svc.Removed == nil && svc.Name == svcName &&
				svc.State != "removing" {
				return svc, nil
			}
		}
		return nil, invalid("InvalidReference", "service", fmt.Sprintf(
			"stack %s in %s has no service %s", stackName, project.Name, svcName))
	}
	return nil, invalid("InvalidReference", "stack", fmt.Sprintf(
		"no stack %s in environment %s; deploy it first (spinlocal up)", stackName,
		project.Name))
}

// RemoveProxyRoute removes the caller's entry for a host name.
func (e *Emulator) RemoveProxyRoute(caller Caller, hostname string) error {
	hostname = strings.ToLower(strings.TrimSuffix(hostname, "."))
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.proxy[hostname]
	if !ok {
		return &APIError{Status: 404, Code: "NotFound", FieldName: "hostname",
			Message: fmt.Sprintf("no proxy entry for %s", hostname)}
	}
	if r.Owner != "" && r.Owner != caller.User {
		return spinDenied("you don't own the proxy entry for %s", hostname)
	}
	return e.dropProxyRoute(r, "removed by "+caller.User)
}

// dropProxyRoute deletes an entry. Callers hold e.mu.
func (e *Emulator) dropProxyRoute(r *ProxyRoute, why string) error {
	err := e.store.Update(func(tx *storeTx) error { return tx.Delete(bucketProxy, r.Hostname) })
	if err != nil {
		return fmt.Errorf("remove proxy entry %s: %w", r.Hostname, err)
	}
	delete(e.proxy, r.Hostname)
	e.log.Info("proxy entry cleared", "host", r.Hostname, "reason", why)
	return nil
}

// clearProxyRoutes drops the entries whose service is gone: on Spin, removing a proxied
// service clears its proxy configuration. Callers hold e.mu.
func (e *Emulator) clearProxyRoutes() {
	for _, r := range e.proxy {
		svc, ok := e.services[r.ServiceID]
		if ok && svc.Removed == nil {
			continue
		}
		if err := e.dropProxyRoute(r, "its service was removed"); err != nil {
			e.log.Error("proxy: cannot clear entry", "err", err)
		}
	}
}

// ProxyEntries lists every entry, sorted by host name. Host names are one namespace for
// the whole proxy, so everyone sees every entry, as a name's owner would on Spin.
func (e *Emulator) ProxyEntries() []ProxyEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ProxyEntry, 0, len(e.proxy))
	for _, r := range e.proxy {
		out = append(out, e.proxyEntry(r))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Hostname < out[j].Hostname })
	return out
}

// ProxyTarget finds where a host name goes.
func (e *Emulator) ProxyTarget(hostname string) (ProxyTarget, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.proxy[hostname]
	if !ok {
		return ProxyTarget{}, false
	}
	return ProxyTarget{Entry: e.proxyEntry(r), Addrs: e.proxyAddrs(r)}, true
}

// proxyAddrs lists the addresses of the service's running primaries; when some are
// healthy, only those. Callers hold e.mu.
func (e *Emulator) proxyAddrs(r *ProxyRoute) []string {
	var all, healthy []string
	for _, c := range e.containers {
		if c.ServiceID != r.ServiceID || c.Removed != nil || c.Retired ||
			c.LaunchConfig != "" || c.State != "running" || c.IPAddress == "" {
			continue
		}
		addr := net.JoinHostPort(c.IPAddress, fmt.Sprint(r.Port))
		all = append(all, addr)
		if c.HealthState == "healthy" || c.HealthState == "" {
			healthy = append(healthy, addr)
		}
	}
	if len(healthy) > 0 {
		all = healthy
	}
	sort.Strings(all) // a stable order, so round robin visits each in turn
	return all
}

// proxyEntry renders an entry with names. Callers hold e.mu.
func (e *Emulator) proxyEntry(r *ProxyRoute) ProxyEntry {
	out := ProxyEntry{Hostname: r.Hostname, Port: r.Port, TLS: r.TLS, Owner: r.Owner,
		Backends: len(e.proxyAddrs(r))}
	if p, ok := e.projects[r.AccountID]; ok {
		out.Environment = p.Name
	}
	if st, ok := e.stacks[r.StackID]; ok {
		out.Stack = st.Name
	}
	if svc, ok := e.services[r.ServiceID]; ok {
		out.Service = svc.Name
	}
	return out
}

// describeRoute names an entry's target as environment/stack/service:port. Callers hold
// e.mu.
func (e *Emulator) describeRoute(r *ProxyRoute) string {
	en := e.proxyEntry(r)
	return fmt.Sprintf("%s/%s/%s:%d", en.Environment, en.Stack, en.Service, en.Port)
}

func publicNameTaken(h string) error {
	return invalid("InvalidOption", "hostname", fmt.Sprintf("host name %s has the form of "+
		"Spin's public names (service.stack.environment.%s, or .localhost), which belong "+
		"to services that publish ports; pick another name", h, dnsname.Suffix))
}

// isFixedPublicName is isPublicName for what needs no state: the public zone, and the
// .localhost twins in Spin's own environments.
func isFixedPublicName(h string) bool {
	suffix := strings.ToLower(strings.TrimSuffix(dnsname.Suffix, "."))
	if suffix != "" && (h == suffix || strings.HasSuffix(h, "."+suffix)) {
		return true
	}
	labels := strings.Split(h, ".")
	if len(labels) != 4 || labels[3] != "localhost" {
		return false
	}
	for _, env := range spinEnvironments {
		if labels[2] == env.name {
			return true
		}
	}
	return false
}

// isPublicName reports whether a host name lies in the zone of Spin's dynamic names or is
// the .localhost twin of one (service.stack.environment.localhost). Callers hold e.mu.
func (e *Emulator) isPublicName(h string) bool {
	if isFixedPublicName(h) {
		return true
	}
	labels := strings.Split(h, ".")
	if len(labels) != 4 || labels[3] != "localhost" {
		return false
	}
	for _, p := range e.projects {
		if strings.EqualFold(p.Name, labels[2]) {
			return true
		}
	}
	return false
}
