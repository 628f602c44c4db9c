package audit

import (
	"regexp"
	"slices"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

var (
	// Service names start with one of Spin's words, optionally followed by
	// "-" and a free suffix (spin-rules.md §2, 2019 list).
	serviceNameRE = regexp.MustCompile(`^(api|app|db|kv|lb|util|web)(-.+)?$`)
	// A stack name is a label of the service's public DNS name (§11).
	stackNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// Rancher 1.6's volume name rule (§2).
	volumeNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-z0-9_.-]*$`)
)

func (c *checker) checkServiceName(t target) {
	if !serviceNameRE.MatchString(t.name) {
		c.add(ruleServiceName, t, "name", "%q does not follow Spin's naming; allowed: api, "+
			"app, db, kv, lb, util or web, optionally followed by -suffix (e.g. web-nginx, "+
			"db-mysql)", t.name)
	}
}

func (c *checker) checkStackName(stack string) {
	if stackNameRE.MatchString(stack) {
		return
	}
	hint := strings.Trim(compose.NormalizeStackName(stack), "-")
	if len(hint) > 63 {
		hint = strings.TrimRight(hint[:63], "-")
	}
	c.add(ruleStackName, target{stack: stack}, "name", "%q is not a lowercase DNS label; "+
		"allowed: a-z, 0-9 and - (not first or last), at most 63 characters, e.g. %q",
		stack, hint)
}

// use is a volume or secret named by a launch config.
type use struct {
	name string
	t    target
	ref  map[string]any // a secret reference: source, target, uid, gid, mode
}

// volumeUses lists the named volumes of a unit's launch configs.
func (u unit) volumeUses() []use {
	var out []use
	for _, l := range u.configs {
		for _, m := range mountsOf(l.lc) {
			if m.named() {
				out = append(out, use{name: m.src, t: l.t})
			}
		}
	}
	return out
}

// nfsVolumes are the unit's named volumes when its volume driver is
// rancher-nfs.
func (u unit) nfsVolumes() map[string]bool {
	nfs := map[string]bool{}
	for _, l := range u.configs {
		if str(l.lc, "volumeDriver") != "rancher-nfs" {
			continue
		}
		for _, m := range mountsOf(l.lc) {
			if m.named() {
				nfs[m.src] = true
			}
		}
	}
	return nfs
}

// secretUses lists the secrets a unit mounts, by source name. The CLI gives
// sidekicks the primary's list, so each source counts once per unit.
func (u unit) secretUses() []use {
	var out []use
	seen := map[string]bool{}
	for _, l := range u.configs {
		for _, ref := range mapList(l.lc, "secrets") {
			name := str(ref, "source")
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, use{name: name, t: l.t, ref: ref})
		}
	}
	return out
}

// checkNames applies the volume and secret naming rules once per name,
// reporting at the first launch config that uses it.
func (c *checker) checkNames(stack string, vols, secrets []use, nfs map[string]bool) {
	for _, first := range firstUses(vols) {
		if !volumeNameRE.MatchString(first.name) {
			c.add(ruleVolumeName, first.t, "volumes", "volume %q breaks Rancher's naming; "+
				"allowed: a letter or digit, then only a-z, 0-9, _, . and -", first.name)
		}
		if nfs[first.name] {
			c.checkNFSName(stack, first)
		}
	}
	for _, first := range firstUses(secrets) {
		c.checkSecretName(stack, first, usersOf(first.name, secrets))
	}
	for _, s := range secrets {
		c.checkSecretOwner(s)
	}
}

func (c *checker) checkNFSName(stack string, v use) {
	svc, st, ok := strings.Cut(v.name, ".")
	if ok && svc != "" && st == stack {
		return
	}
	c.add(ruleNFSVolumeName, v.t, "volumes", "rancher-nfs volume %q is not named "+
		"<service>.<stack>; allowed: %q", v.name, serviceOr(v.t)+"."+stack)
}

// checkSecretName wants <service>.<stack>.<file> for a secret of one
// service and <stack>.<file> for one shared by several (§2).
func (c *checker) checkSecretName(stack string, s use, users []string) {
	allowed := "allowed: \"<service>." + stack + ".<file>\" or \"" + stack + ".<file>\""
	if rest, ok := strings.CutPrefix(s.name, stack+"."); ok && rest != "" {
		return
	}
	svc, rest, _ := strings.Cut(s.name, ".")
	file, ok := strings.CutPrefix(rest, stack+".")
	if !ok || file == "" {
		c.add(ruleSecretName, s.t, "secrets", "secret %q does not name stack %q; %s",
			s.name, stack, allowed)
		return
	}
	if others := slices.DeleteFunc(slices.Clone(users), func(u string) bool {
		return u == svc
	}); len(others) > 0 {
		c.add(ruleSecretName, s.t, "secrets", "secret %q is named for service %q but "+
			"used by %s; allowed for a shared secret: %q", s.name, svc,
			strings.Join(users, ", "), stack+"."+file)
	}
}

// checkSecretOwner: the file's owner must be numeric ids, which the
// service's user can then read with mode 400 (§7, §9).
func (c *checker) checkSecretOwner(s use) {
	if s.ref == nil {
		return
	}
	for _, k := range []string{"uid", "gid"} {
		v := strings.TrimSpace(str(s.ref, k))
		if v == "" {
			continue
		}
		if _, _, ok := parseUser(v); !ok || strings.Contains(v, ":") {
			c.add(ruleSecretOwner, s.t, "secrets", "secret %q has %s %q; allowed: a numeric "+
				"%s, normally the service's user: (Rancher's default is 0)", s.name, k, v,
				strings.ToUpper(k))
		}
	}
}

// firstUses keeps the first use of each name, in order.
func firstUses(uses []use) []use {
	var out []use
	seen := map[string]bool{}
	for _, u := range uses {
		if !seen[u.name] {
			seen[u.name] = true
			out = append(out, u)
		}
	}
	return out
}

// usersOf lists the services (primaries) that use name.
func usersOf(name string, uses []use) []string {
	var out []string
	for _, u := range uses {
		if u.name != name || u.t.name == "" {
			continue
		}
		svc := u.t.name
		if u.t.primary != "" {
			svc = u.t.primary
		}
		if !slices.Contains(out, svc) {
			out = append(out, svc)
		}
	}
	return out
}

func serviceOr(t target) string {
	if t.name == "" {
		return "<service>"
	}
	return t.name
}
