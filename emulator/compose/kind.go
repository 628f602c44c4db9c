package compose

import (
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Service kinds, named like the Cattle resource types.
const (
	kindService      = "service"
	kindLoadBalancer = "loadBalancerService"
	kindDNS          = "dnsService"
	kindExternal     = "externalService"
)

// serviceKind classifies a service by the CLI's rules, first match wins
// (cattle-api.md 7.4).
func serviceKind(s *types.ServiceConfig, st *settings) string {
	switch image := imageName(s.Image); {
	case image == "rancher/external-service":
		return kindExternal
	case image == "rancher/load-balancer-service":
		return kindLoadBalancer
	case hasSourcePort(st.lbConfig):
		return kindLoadBalancer
	case image == "rancher/dns-service":
		return kindDNS
	}
	return kindService
}

// imageName strips the tag and digest from an image reference.
func imageName(image string) string {
	image, _, _ = strings.Cut(strings.TrimSpace(image), "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

func hasSourcePort(lb map[string]any) bool {
	rules, _ := lb["portRules"].([]any)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		if n, err := asInt(rule["sourcePort"]); err == nil && n != 0 {
			return true
		}
	}
	return false
}

// serviceFields builds the service-level fields of the create body other
// than name, scale, metadata and the launch configs (cattle-api.md 7.9).
func serviceFields(kind string, s *types.ServiceConfig, d *serviceData,
	st *settings) map[string]any {
	f := map[string]any{}
	if lb := lbConfig(kind, d, st, s.Labels); len(lb) > 0 {
		f["lbConfig"] = lb
	}
	if len(st.scalePolicy) > 0 {
		f["scalePolicy"] = st.scalePolicy
	}
	if v := s.Labels["io.rancher.service.selector.container"]; v != "" {
		f["selectorContainer"] = v
	}
	if v := s.Labels["io.rancher.service.selector.link"]; v != "" {
		f["selectorLink"] = v
	}
	if kind == kindExternal {
		if len(st.externalIPs) > 0 {
			f["externalIpAddresses"] = st.externalIPs
		}
		if st.hostname != "" {
			f["hostname"] = st.hostname
		}
	}
	return f
}

// lbTargetFields are the port-rule fields a normal service may carry: it
// is a target, not a balancer (cattle-api.md 7.8).
var lbTargetFields = []string{"backendName", "hostname", "path", "targetPort"}

// lbConfig returns the lbConfig of a service. Port rules keep the target
// service's name under "service", and certificates stay names ("certs",
// "defaultCert"): resolving them to ids needs the API.
func lbConfig(kind string, d *serviceData, st *settings, labels types.Labels) map[string]any {
	lb := map[string]any{}
	for k, v := range st.lbConfig {
		lb[k] = v
	}
	if kind != kindLoadBalancer {
		rules, _ := lb["portRules"].([]any)
		if len(rules) == 0 {
			return nil
		}
		var kept []any
		for _, r := range rules {
			rule, _ := r.(map[string]any)
			t := map[string]any{}
			for _, k := range lbTargetFields {
				if v, ok := rule[k]; ok {
					t[k] = v
				}
			}
			kept = append(kept, t)
		}
		return map[string]any{"portRules": kept}
	}
	if st.defaultCert != "" {
		lb["defaultCert"] = st.defaultCert
	}
	if len(st.certs) > 0 {
		lb["certs"] = toAny(st.certs)
	}
	if _, ok := lb["portRules"]; !ok {
		if rules := legacyPortRules(d, labels); len(rules) > 0 {
			lb["portRules"] = rules
		}
	}
	return pruneEmpty(lb).(map[string]any)
}

// legacyPortRules turns the ports and links of a pre-1.6 load balancer
// (image rancher/load-balancer-service) into port rules: every port
// balances to every linked service; ports listed in the label
// io.rancher.loadbalancer.ssl.ports speak https, "/tcp" ports tcp, and
// the rest http.
func legacyPortRules(d *serviceData, labels types.Labels) []any {
	ssl := map[string]bool{}
	for _, p := range strings.Split(labels["io.rancher.loadbalancer.ssl.ports"], ",") {
		ssl[strings.TrimSpace(p)] = true
	}
	var rules []any
	for _, spec := range d.ports {
		spec, proto, _ := strings.Cut(spec, "/")
		parts := strings.Split(spec, ":")
		source, target := parts[0], parts[len(parts)-1]
		if len(parts) == 3 {
			source = parts[1]
		}
		protocol := "http"
		switch {
		case ssl[source]:
			protocol = "https"
		case proto == "tcp":
			protocol = "tcp"
		}
		for _, l := range d.links {
			rule := map[string]any{"protocol": protocol, "service": l.Target}
			if n, err := strconv.Atoi(source); err == nil {
				rule["sourcePort"] = n
			}
			if n, err := strconv.Atoi(target); err == nil {
				rule["targetPort"] = n
			}
			rules = append(rules, rule)
		}
	}
	return rules
}

// pruneEmpty drops null values, empty strings and empty lists or mappings
// from mappings and lists, recursively (an unset ${DOMAIN} in certs leaves
// an empty certificate name behind).
func pruneEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, val := range t {
			val = pruneEmpty(val)
			if !isEmpty(val) {
				m[k] = val
			}
		}
		return m
	case []any:
		l := make([]any, 0, len(t))
		for _, val := range t {
			if val = pruneEmpty(val); !isEmpty(val) {
				l = append(l, val)
			}
		}
		return l
	}
	return v
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case []string:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
