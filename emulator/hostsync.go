package emulator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// Every container on an environment network gets a hosts file of the daemon's,
// <state dir>/hosts/<container id>, bind-mounted at /etc/hosts. It holds what Docker's
// would plus the Rancher names of external and alias services (internalnames.go) and the
// public names of published services (publicroute.go). A file
// bind mount works alike on Docker Engine and on Docker Desktop, and the daemon can
// rewrite it while the container runs, which Docker's own file does not allow.

// ownsHosts reports whether a container gets the daemon's hosts file: those on the
// environment network and the sidekicks that share a unit member's network.
func ownsHosts(spec engine.Spec) bool {
	switch mode, _ := spec.LaunchConfig["networkMode"].(string); mode {
	case "", "managed":
		return spec.Network != "" && spec.NetworkContainer == ""
	case "container":
		return spec.NetworkContainer != ""
	}
	return false
}

// hostsPath is where container cid's hosts file lives.
func (e *Emulator) hostsPath(cid string) (string, error) {
	dir, err := filepath.Abs(filepath.Join(e.cfg.StateDir, "hosts"))
	if err != nil {
		return "", fmt.Errorf("hosts files: %w", err)
	}
	return filepath.Join(dir, cid), nil
}

// attachHosts writes the hosts file of container cid, about to be created, and returns
// the spec that mounts it.
func (e *Emulator) attachHosts(ctx context.Context, spec engine.Spec, cid string) (
	engine.Spec, error) {
	if !ownsHosts(spec) {
		return spec, nil
	}
	path, err := e.hostsPath(cid)
	if err != nil {
		return spec, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return spec, fmt.Errorf("hosts files: %w", err)
	}
	gateway, err := e.gatewayFor(ctx, spec.LaunchConfig)
	if err != nil {
		return spec, err
	}
	route := e.publicRoute(ctx)
	e.mu.Lock()
	c, ok := e.containers[cid]
	var data []byte
	if ok {
		data, err = e.hostsContent(c, gateway, route)
	}
	e.mu.Unlock()
	if !ok || err != nil {
		return spec, err
	}
	if err := e.writeHosts(cid, path, data); err != nil {
		return spec, err
	}
	spec.HostsFile = path
	return spec, nil
}

// gatewayFor returns Docker's host-gateway address when the launch config's extraHosts
// use it, asking Docker once per daemon run.
func (e *Emulator) gatewayFor(ctx context.Context, lcfg map[string]any) (string, error) {
	if !needsGateway(listOf(lcfg["extraHosts"])) {
		return "", nil
	}
	gw, err := e.hostGateway(ctx)
	if err != nil {
		return "", fmt.Errorf("extra_hosts host-gateway: %w", err)
	}
	return gw, nil
}

// hostsContent renders container c's hosts file; gateway stands for host-gateway in its
// extra hosts, route says where public names resolve. Callers hold e.mu.
func (e *Emulator) hostsContent(c *Container, gateway string, route publicRoute) ([]byte,
	error) {
	extra, err := extraHosts(listOf(c.Spec["extraHosts"]), gateway)
	if err != nil {
		return nil, err
	}
	return renderHosts(extra, e.selfEntry(c), e.internalEntries(c),
		e.publicEntries(c, route.gateway)), nil
}

// selfEntry is the line Docker writes for a container's own address and host name; a
// sidekick sharing a unit member's network has that member's. Callers hold e.mu.
func (e *Emulator) selfEntry(c *Container) *hostsEntry {
	owner := c
	if mode, _ := c.Spec["networkMode"].(string); mode == "container" {
		if owner = e.networkOwner(c); owner == nil {
			return nil
		}
	}
	if owner.IPAddress == "" || len(owner.DockerID) < 12 {
		return nil
	}
	host, _ := owner.Spec["hostname"].(string)
	if host == "" {
		// Docker's default host name.
		host = owner.DockerID[:12]
	}
	names := []string{host}
	if domain, _ := owner.Spec["domainName"].(string); domain != "" {
		names = []string{host + "." + domain, host}
	}
	return &hostsEntry{addr: owner.IPAddress, names: names}
}

// networkOwner finds the unit member whose network sidekick c shares. Callers hold e.mu.
func (e *Emulator) networkOwner(c *Container) *Container {
	svc, ok := e.services[c.ServiceID]
	if !ok {
		return nil
	}
	target, _ := c.Spec["networkLaunchConfig"].(string)
	name := lcNameOf(svc, target)
	for _, o := range e.liveContainers(svc.ID) {
		if o.ServiceIndex == c.ServiceIndex && o.LaunchConfig == name && !o.Retired {
			return o
		}
	}
	return nil
}

// refreshHosts rewrites container cid's hosts file, if it has one.
func (e *Emulator) refreshHosts(ctx context.Context, cid string) {
	e.mu.Lock()
	c, ok := e.containers[cid]
	var lcfg map[string]any
	if ok && c.HostsFile && c.Removed == nil {
		lcfg = c.Spec
	}
	e.mu.Unlock()
	if lcfg == nil {
		return
	}
	gateway, err := e.gatewayFor(ctx, lcfg)
	if err != nil {
		e.log.Warn("cannot write hosts file", "container", cid, "err", err)
		return
	}
	route := e.publicRoute(ctx)
	path, err := e.hostsPath(cid)
	var data []byte
	if err == nil {
		e.mu.Lock()
		data, err = e.hostsContent(c, gateway, route)
		e.mu.Unlock()
	}
	if err == nil {
		err = e.writeHosts(cid, path, data)
	}
	if err != nil {
		e.log.Warn("cannot write hosts file", "container", cid, "err", err)
	}
}

// syncHostsFiles brings every hosts file up to date with the environment, after
// resolving external services' hostnames that are due. It runs at the end of every
// reconciler pass, so a change of an external or alias service, or of the containers an
// alias points at, reaches all containers within a pass.
func (e *Emulator) syncHostsFiles(ctx context.Context) {
	e.refreshLookups(ctx)
	e.mu.Lock()
	var ids []string
	for _, c := range sortedValues(e.containers) {
		if c.HostsFile && c.Removed == nil {
			ids = append(ids, c.ID)
		}
	}
	e.mu.Unlock()
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		e.refreshHosts(ctx, id)
	}
	e.sweepHostsFiles()
}

// writeHosts writes a hosts file unless it already holds data.
func (e *Emulator) writeHosts(cid, path string, data []byte) error {
	e.hostsMu.Lock()
	defer e.hostsMu.Unlock()
	if e.hostsWritten[cid] == string(data) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	if err := writeHostsFile(path, data); err != nil {
		return err
	}
	e.hostsWritten[cid] = string(data)
	return nil
}

// sweepHostsFiles removes the hosts files of containers that are removed or unknown.
func (e *Emulator) sweepHostsFiles() {
	path, err := e.hostsPath("")
	if err != nil {
		return
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			e.log.Warn("cannot list hosts files", "dir", path, "err", err)
		}
		return
	}
	var gone []string
	e.mu.Lock()
	for _, de := range entries {
		c, ok := e.containers[de.Name()]
		if !ok || c.Removed != nil {
			gone = append(gone, de.Name())
		}
	}
	e.mu.Unlock()
	e.hostsMu.Lock()
	defer e.hostsMu.Unlock()
	for _, id := range gone {
		delete(e.hostsWritten, id)
		err := os.Remove(filepath.Join(path, id))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			e.log.Warn("cannot remove hosts file", "container", id, "err", err)
		}
	}
}

// listOf reads a launch config list of strings.
func listOf(v any) []string {
	var out []string
	switch l := v.(type) {
	case []any:
		for _, s := range l {
			out = append(out, fmt.Sprint(s))
		}
	case []string:
		out = append(out, l...)
	}
	return out
}
