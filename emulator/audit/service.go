package audit

// CheckService audits one service as the API receives it: the primary
// launch config and its sidekicks (secondary launch configs, each with
// "name"). It also checks the names of the volumes it mounts and of the
// secrets it names by "source", since through the API that is where they
// first appear; references by secretId alone are not checked.
func CheckService(cfg Config, stack, service string, launchConfig map[string]any,
	secondary []map[string]any) []Finding {
	c := &checker{cfg: cfg}
	u := newUnit(stack, service, "", launchConfig, secondary)
	c.checkUnit(u)
	c.checkNames(stack, u.volumeUses(), u.secretUses(), u.nfsVolumes())
	return c.out
}

// unit is a primary service with its sidekicks, which Cattle schedules
// together.
type unit struct {
	stack   string
	name    string
	kind    string // Cattle service kind; empty when not known
	configs []launch
}

// launch is one launch config of a unit and what findings about it name.
type launch struct {
	t  target
	lc map[string]any
}

func newUnit(stack, name, kind string, lc map[string]any, secondary []map[string]any) unit {
	u := unit{stack: stack, name: name, kind: kind}
	u.configs = append(u.configs, launch{t: target{stack: stack, name: name}, lc: lc})
	for _, s := range secondary {
		t := target{stack: stack, name: str(s, "name"), primary: name}
		u.configs = append(u.configs, launch{t: t, lc: s})
	}
	return u
}

// checkUnit runs every container rule on each launch config of u.
func (c *checker) checkUnit(u unit) {
	for _, l := range u.configs {
		c.checkServiceName(l.t)
	}
	if u.runsNoContainers() {
		return
	}
	global := u.globalMounts()
	for i, l := range u.configs {
		if l.lc == nil {
			continue
		}
		c.checkCaps(l, global[i])
		c.checkHostAccess(l)
		c.checkMounts(l, global[i])
		c.checkCallerUser(l)
		c.checkPorts(l)
		c.checkImage(l, u.kind)
		c.checkRancherKeys(l)
	}
}

// runsNoContainers is true for external and DNS services: Cattle starts no
// container for them, so only their names matter.
func (u unit) runsNoContainers() bool {
	switch u.kind {
	case "externalService", "dnsService":
		return true
	}
	switch parseImage(str(u.configs[0].lc, "imageUuid")).name() {
	case "rancher/external-service", "rancher/dns-service":
		return true
	}
	return false
}

// globalMounts lists, per launch config, the /global mounts its container
// sees: its own, and those of the launch configs it takes volumes_from.
func (u unit) globalMounts() [][]mount {
	byName := map[string]int{}
	out := make([][]mount, len(u.configs))
	for i, l := range u.configs {
		byName[l.t.name] = i
		for _, m := range mountsOf(l.lc) {
			if m.global() {
				out[i] = append(out[i], m)
			}
		}
	}
	// volumes_from can chain; each pass follows one more link.
	for range u.configs {
		for i, l := range u.configs {
			for _, from := range strList(l.lc, "dataVolumesFromLaunchConfigs") {
				if j, ok := byName[from]; ok && j != i {
					out[i] = appendMounts(out[i], out[j])
				}
			}
		}
	}
	return out
}

func appendMounts(to, from []mount) []mount {
	for _, m := range from {
		seen := false
		for _, have := range to {
			seen = seen || have == m
		}
		if !seen {
			to = append(to, m)
		}
	}
	return to
}
