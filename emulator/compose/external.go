package compose

import (
	"fmt"
	"net/netip"

	"github.com/compose-spec/compose-go/v2/types"
)

// checkExternal refuses external_ips that are not IP addresses, and external_ips next to
// a hostname: an external service points at one or the other (cattle-semantics 4.7).
func (r *reader) checkExternal(s *settings) {
	for _, ip := range s.externalIPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			r.fail("external_ips", fmt.Errorf("%q is not an IP address", ip))
		}
	}
	if len(s.externalIPs) > 0 && s.hostname != "" {
		r.fail("hostname", fmt.Errorf("an external service points at external_ips or at "+
			"a hostname, not both; remove one"))
	}
}

// checkExternalTarget refuses an external service that points nowhere.
func checkExternalTarget(s *types.ServiceConfig, st *settings, files []*composeFile) error {
	if serviceKind(s, st) != kindExternal || len(st.externalIPs) > 0 || st.hostname != "" {
		return nil
	}
	key := "services." + s.Name + ".image"
	return docWith(files, key).errAt(key, "an external service (image "+
		"rancher/external-service) needs external_ips or hostname in rancher-compose.yml",
		nil)
}
