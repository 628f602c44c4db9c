package audit

import "strings"

// checkHostAccess refuses what reaches past the container into the node:
// privileged mode, the host's network, PID and IPC namespaces, and host
// devices. The Spin docs never show them, and they defeat the capability
// table (spin-rules.md §6, an inference there).
func (c *checker) checkHostAccess(l launch) {
	if boolean(l.lc, "privileged") {
		c.add(rulePrivileged, l.t, "privileged", "true is not allowed; allowed: false "+
			"(leave it out) with cap_add from Spin's table")
	}
	if strings.EqualFold(str(l.lc, "networkMode"), "host") {
		c.add(ruleHostNetwork, l.t, "network_mode", "host is not allowed; allowed: the "+
			"default managed network (leave it out) or container:<sidekick>")
	}
	if strings.EqualFold(str(l.lc, "pidMode"), "host") {
		c.add(ruleHostPID, l.t, "pid", "host is not allowed; allowed: the container's own "+
			"PID namespace (leave it out)")
	}
	if strings.EqualFold(str(l.lc, "ipcMode"), "host") {
		c.add(ruleHostIPC, l.t, "ipc", "host is not allowed; allowed: the container's own "+
			"IPC namespace (leave it out) or container:<name>")
	}
	if strings.EqualFold(str(l.lc, "uts"), "host") {
		c.add(ruleHostUTS, l.t, "uts", "host is not allowed; allowed: the container's own "+
			"UTS namespace (leave it out)")
	}
	for _, opt := range strList(l.lc, "securityOpt") {
		o := strings.ToLower(strings.ReplaceAll(opt, "=", ":"))
		if strings.HasSuffix(o, ":unconfined") || o == "label:disable" ||
			o == "no-new-privileges:false" {
			c.add(ruleSecurityOpt, l.t, "security_opt", "%q is not allowed; allowed: "+
				"no-new-privileges, or leave it out (Spin keeps seccomp, AppArmor and "+
				"SELinux on)", opt)
		}
	}
	if devs := strList(l.lc, "devices"); len(devs) > 0 {
		c.add(ruleDevices, l.t, "devices", "%s not allowed; allowed: none, Spin gives "+
			"containers no host devices", joinQuoted(devs)+plural(devs, " is", " are"))
	}
}

func plural(list []string, one, many string) string {
	if len(list) == 1 {
		return one
	}
	return many
}
