package audit

import (
	"path"
	"strings"
)

// mount is one dataVolumes entry: "/ctr" (anonymous volume),
// "name:/ctr[:opts]" (named volume) or "/host:/ctr[:opts]" (bind mount).
type mount struct {
	raw  string
	src  string // host path or volume name; empty for an anonymous volume
	host bool   // src is a host path
	ro   bool
}

func parseMount(raw string) mount {
	parts := strings.Split(raw, ":")
	if len(parts) < 2 {
		return mount{raw: raw}
	}
	m := mount{raw: raw, src: parts[0]}
	m.host = strings.HasPrefix(m.src, "/") || strings.HasPrefix(m.src, ".") ||
		strings.HasPrefix(m.src, "~")
	if len(parts) > 2 {
		for _, opt := range strings.Split(parts[2], ",") {
			m.ro = m.ro || opt == "ro"
		}
	}
	return m
}

func mountsOf(lc map[string]any) []mount {
	var out []mount
	for _, raw := range strList(lc, "dataVolumes") {
		out = append(out, parseMount(raw))
	}
	return out
}

// global reports a bind mount from the NERSC Global Filesystem. Any host
// path under /global counts (spin-rules.md §8); the path is cleaned so
// "/global/../etc" is not mistaken for one.
func (m mount) global() bool {
	if !m.host || !strings.HasPrefix(m.src, "/") {
		return false
	}
	p := path.Clean(m.src)
	return p == "/global" || strings.HasPrefix(p, "/global/")
}

// named reports a named volume (Rancher NFS, node-local, ...).
func (m mount) named() bool {
	return m.src != "" && !m.host
}

// checkMounts applies the storage rules: bind mounts only from /global, a
// numeric non-root user with /global, and /global read-only when the
// service publishes ports (spin-rules.md §6, §8).
func (c *checker) checkMounts(l launch, global []mount) {
	for _, m := range mountsOf(l.lc) {
		if m.host && !m.global() {
			why := ""
			if strings.Contains(m.src, "docker.sock") {
				why = " (the Docker socket hands over the whole node)"
			}
			c.add(ruleHostBind, l.t, "volumes", "host path %q%s is not allowed; allowed: bind "+
				"mounts under /global/ (the NERSC Global Filesystem), Rancher NFS volumes "+
				"and named volumes", m.src, why)
		}
	}
	if len(global) == 0 {
		return
	}
	c.checkGlobalUser(l, global[0])

	ports := strList(l.lc, "ports")
	if len(ports) == 0 {
		return
	}
	for _, m := range global {
		if !m.ro {
			c.add(ruleGlobalRWPublished, l.t, "volumes", "%q is mounted read-write by a "+
				"service that publishes ports (%s); allowed: read-only (%s:ro), or drop "+
				"ports: and keep the service inside Spin", m.raw, strings.Join(ports, ", "),
				m.raw)
		}
	}
}

// checkGlobalUser: Spin refuses to run a container that mounts /global as
// root, and wants the numeric id of a NERSC or collaboration account.
func (c *checker) checkGlobalUser(l launch, g mount) {
	const allowed = "allowed: the numeric UID or UID:GID of a NERSC user or " +
		"collaboration account, e.g. user: \"12345:6789\""
	user := strings.TrimSpace(str(l.lc, "user"))
	uid, _, ok := parseUser(user)
	switch {
	case user == "":
		c.add(ruleGlobalRootUser, l.t, "user", "not set, so the container runs as the "+
			"image's user, often root, while it mounts %s; %s", g.src, allowed)
	case !ok:
		c.add(ruleGlobalRootUser, l.t, "user", "%q is not numeric and the container mounts "+
			"%s; %s", user, g.src, allowed)
	case uid == 0:
		c.add(ruleGlobalRootUser, l.t, "user", "%q is root and the container mounts %s; %s",
			user, g.src, allowed)
	}
}
