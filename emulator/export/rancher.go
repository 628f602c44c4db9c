package export

import "strings"

// rancherLaunch gives the rancher-compose keys that one launch config carries: its health
// check and the virtual-machine and drain settings.
func rancherLaunch(lc map[string]any) map[string]any {
	out := map[string]any{}
	if hc := mapping(lc["healthCheck"]); len(hc) > 0 {
		out["health_check"] = snakeKeys(hc)
	}
	for key, field := range rancherLaunchKeys {
		if v, ok := lc[key]; ok && !empty(v) {
			out[field] = snakeKeys(v)
		}
	}
	return out
}

// rancherService gives the rancher-compose entry of a primary service: the keys of its
// launch config plus the service-level settings (cattle-semantics.md 5.1).
func (e *exporter) rancherService(svc Service) map[string]any {
	out := rancherLaunch(svc.LaunchConfig)
	// A global service runs one container per host whatever its scale.
	if text(mapping(svc.LaunchConfig["labels"])[globalLabel]) != "true" {
		out["scale"] = svc.Scale
	}
	if svc.RetainIP {
		out["retain_ip"] = true
	}
	if svc.StartOnCreate != nil {
		out["start_on_create"] = *svc.StartOnCreate
	}
	meta := map[string]any{}
	for k, v := range svc.Metadata {
		if k != hashLabel {
			meta[k] = v
		}
	}
	if len(meta) > 0 {
		out["metadata"] = meta
	}
	if lb := e.lbConfig(mapping(svc.Extra["lbConfig"])); len(lb) > 0 {
		out["lb_config"] = lb
	}
	if sp := mapping(svc.Extra["scalePolicy"]); len(sp) > 0 {
		out["scale_policy"] = snakeKeys(sp)
	}
	if ips := stringList(svc.Extra["externalIpAddresses"]); len(ips) > 0 {
		out["external_ips"] = ips
	}
	if h := text(svc.Extra["hostname"]); h != "" {
		out["hostname"] = h
	}
	return out
}

// lbConfig renders a load balancer configuration in rancher-compose spelling. Port rules
// name their target service ("web", or "otherstack/web") instead of its id; certificate
// ids are left out, as they name nothing a compose file can refer to.
func (e *exporter) lbConfig(lb map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range lb {
		switch k {
		case "certificateIds", "defaultCertificateId":
		case "portRules":
			var rules []any
			list, _ := v.([]any)
			for _, r := range list {
				rules = append(rules, e.portRule(mapping(r)))
			}
			if len(rules) > 0 {
				out["port_rules"] = rules
			}
		default:
			if !empty(v) {
				out[snakeCase(k)] = snakeKeys(v)
			}
		}
	}
	return out
}

func (e *exporter) portRule(rule map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range rule {
		if k == "serviceId" {
			if target := e.serviceName(text(v)); target != "" {
				out["service"] = target
			}
			continue
		}
		if !empty(v) {
			out[snakeCase(k)] = snakeKeys(v)
		}
	}
	return out
}

// serviceName names a service as a compose file in this stack refers to it: "web" in the
// same stack, "otherstack/web" elsewhere; "" when it cannot be resolved.
func (e *exporter) serviceName(id string) string {
	if e.lookup == nil || id == "" {
		return ""
	}
	stack, name, ok := e.lookup(id)
	if !ok || name == "" {
		return ""
	}
	if stack == "" || strings.EqualFold(stack, e.stack) {
		return name
	}
	return stack + "/" + name
}
