package audit

import (
	"maps"
	"slices"
	"strings"
)

// Rancher labels the audit looks at (spin-rules.md §5, §13).
const (
	labelPullImage    = "io.rancher.container.pull_image"
	labelCreateAgent  = "io.rancher.container.create_agent"
	labelAgentRole    = "io.rancher.container.agent.role"
	labelGlobal       = "io.rancher.scheduler.global"
	labelHostAffinity = "io.rancher.scheduler.affinity:host_label"
)

// lbImages run Rancher's own load balancers, new style and legacy.
var lbImages = []string{"rancher/lb-service-haproxy", "rancher/load-balancer-service"}

// checkLoadBalancer refuses a service's own Rancher load balancer: it needs
// agent credentials, and on Spin NERSC staff run the reverse proxy instead.
// It reports whether the service is one, so the image checks stop there.
func (c *checker) checkLoadBalancer(l launch, ref imageRef, kind string) bool {
	isLB := kind == "loadBalancerService" && l.t.primary == ""
	for _, img := range lbImages {
		isLB = isLB || ref.name() == img
	}
	if isLB {
		c.add(ruleLoadBalancer, l.t, "image", "%q runs a Rancher load balancer, which Spin "+
			"users cannot run; allowed: no own load balancer: ask NERSC staff for a Spin "+
			"reverse-proxy entry (hostname, stack, service, port)", ref.raw)
	}
	return isLB
}

// checkRancherKeys covers the Rancher scheduling and agent labels Spin users
// had no use for, and restart:, which Rancher does not support.
func (c *checker) checkRancherKeys(l launch) {
	labels := labelsOf(l.lc)
	if strings.EqualFold(labels[labelCreateAgent], "true") || labels[labelAgentRole] != "" {
		c.add(ruleAgentRole, l.t, "labels", "%s and %s give the container Rancher API "+
			"credentials, which Spin users cannot have; allowed: neither label",
			labelCreateAgent, labelAgentRole)
	}
	if strings.EqualFold(labels[labelGlobal], "true") {
		c.add(ruleGlobalScheduling, l.t, "labels", "%s: true would start a container on "+
			"every Spin node; allowed: scale in rancher-compose.yml", labelGlobal)
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if strings.HasPrefix(k, labelHostAffinity) {
			c.add(ruleHostAffinity, l.t, "labels", "%s: %s cannot match, Spin nodes carry "+
				"no user labels; allowed: no host affinity", k, labels[k])
		}
	}
	if policy, ok := l.lc["restartPolicy"].(map[string]any); ok {
		if name := str(policy, "name"); name != "" && name != "no" {
			c.add(ruleRestart, l.t, "restart", "%q is not supported by Rancher, which "+
				"restarts containers itself; allowed: leave it out (one-shot jobs use "+
				"io.rancher.container.start_once)", name)
		}
	}
}
