package audit

// Level says what happens to a finding of a rule.
type Level string

// The levels a rule can have.
const (
	// Reject refuses the request; the offline audit exits with status 1.
	Reject Level = "reject"
	// Warn reports the finding and lets the request through.
	Warn Level = "warn"
	// Off drops the rule's findings.
	Off Level = "off"
)

// Rule is one audit rule with its default level.
type Rule struct {
	ID          string
	Level       Level
	Description string
}

// Rule ids. They are stable: daemon configs and CI scripts name them.
const (
	ruleCapDropAll        = "cap-drop-all"
	ruleCapNotAllowed     = "cap-not-allowed"
	rulePrivileged        = "privileged"
	ruleHostNetwork       = "host-network"
	ruleHostPID           = "host-pid"
	ruleHostIPC           = "host-ipc"
	ruleHostUTS           = "host-uts"
	ruleSecurityOpt       = "security-opt"
	ruleDevices           = "devices"
	ruleHostBind          = "host-bind"
	ruleGlobalRootUser    = "global-root-user"
	ruleGlobalRWPublished = "global-rw-published"
	ruleUserNotAllowed    = "user-not-allowed"
	ruleGroupAddName      = "group-add-name"
	rulePortNotAllowed    = "port-not-allowed"
	ruleImageRegistry     = "image-registry"
	ruleImageOfficial     = "image-official"
	ruleImageLatest       = "image-latest"
	ruleBuild             = "build"
	ruleLoadBalancer      = "load-balancer"
	ruleAgentRole         = "agent-role"
	ruleGlobalScheduling  = "global-scheduling"
	ruleHostAffinity      = "host-affinity"
	ruleRestart           = "restart"
	ruleServiceName       = "service-name"
	ruleStackName         = "stack-name"
	ruleVolumeName        = "volume-name"
	ruleNFSVolumeName     = "nfs-volume-name"
	ruleSecretName        = "secret-name"
	ruleSecretOwner       = "secret-owner"
	ruleStackTags         = "stack-tags"
)

// ruleTable lists every rule in report order. Levels marked [inf] in
// spin-rules.md are our reading of Spin, hence configurable.
var ruleTable = []Rule{
	{ruleCapDropAll, Reject, "cap_drop must include ALL (§6)"},
	{ruleCapNotAllowed, Reject,
		"cap_add only from Spin's table; NET_BIND_SERVICE alone with /global mounts (§6)"},
	{rulePrivileged, Reject, "privileged: true is refused (§6)"},
	{ruleHostNetwork, Reject, "network_mode/net: host is refused (§6)"},
	{ruleHostPID, Reject, "pid: host is refused (§6)"},
	{ruleHostIPC, Reject, "ipc: host is refused (§6)"},
	{ruleHostUTS, Reject, "uts: host is refused (§6)"},
	{ruleSecurityOpt, Reject, "security_opt may not switch off seccomp, AppArmor or SELinux (§6)"},
	{ruleDevices, Reject, "devices: host devices are refused (§6)"},
	{ruleHostBind, Reject, "bind mounts only from /global/... (§6, §8)"},
	{ruleGlobalRootUser, Reject,
		"a service mounting /global needs a numeric non-root user: UID[:GID] (§6)"},
	{ruleGlobalRWPublished, Reject,
		"a service that publishes ports mounts /global read-only (§8)"},
	{ruleUserNotAllowed, Reject,
		"user: runs as the caller's numeric uid or a collaboration account the caller may " +
			"use, its gid and group_add the caller's groups (§6)"},
	{ruleGroupAddName, Warn,
		"with a users: list, a group_add name (other than root) cannot be checked (§6, §7)"},
	{rulePortNotAllowed, Reject,
		"ports: host ports only from the pre-firewalled lists, never 80 or 443 (§10)"},
	{ruleImageRegistry, Reject,
		"images only from registry.nersc.gov, registry.spin.nersc.gov or Docker Hub (§5)"},
	{ruleImageOfficial, Warn, "Docker Hub images should be official images (§5)"},
	{ruleImageLatest, Warn,
		"a :latest or untagged image needs io.rancher.container.pull_image: always (§5)"},
	{ruleBuild, Reject, "build: is refused; images come from a registry (§4)"},
	{ruleLoadBalancer, Reject,
		"no own Rancher load balancer; the Spin reverse proxy is run by NERSC (§10, §13)"},
	{ruleAgentRole, Reject, "no io.rancher.container.create_agent or agent.role labels (§13)"},
	{ruleGlobalScheduling, Reject, "no io.rancher.scheduler.global label (§13)"},
	{ruleHostAffinity, Warn,
		"host_label affinity cannot match: Spin hosts carry no user labels (§13)"},
	{ruleRestart, Warn, "restart: is not supported by Rancher (§4)"},
	{ruleServiceName, Warn, "service names start with api, app, db, kv, lb, util or web (§2)"},
	{ruleStackName, Reject,
		"stack names are lowercase DNS labels: a-z, 0-9 and -, at most 63 characters (§2, §11)"},
	{ruleVolumeName, Reject, "volume names: an alphanumeric, then a-z 0-9 _ . - (§2)"},
	{ruleNFSVolumeName, Warn, "rancher-nfs volumes are named <service>.<stack> (§2, §8)"},
	{ruleSecretName, Warn, "secrets are named <service>.<stack>.<file> or <stack>.<file> (§2)"},
	{ruleSecretOwner, Reject, "a secret's uid and gid are numeric (§7, §9)"},
	{ruleStackTags, Warn, "stack tags include owner: and staff-owner: (§3)"},
}

// Rules lists every rule with its default level, in report order.
func Rules() []Rule {
	return append([]Rule(nil), ruleTable...)
}

// defaultLevel is the level of rule id when no config changes it.
func defaultLevel(id string) (Level, bool) {
	for _, r := range ruleTable {
		if r.ID == id {
			return r.Level, true
		}
	}
	return "", false
}
