package emulator

import "slices"

// Resource kinds, as they appear in "type".
const (
	KindProject   = "project"
	KindStack     = "stack"
	KindService   = "service"
	KindContainer = "container"
	KindHost      = "host"
	// KindExternal is a name for addresses outside (rancher/external-service).
	KindExternal = "externalService"
	// KindAlias is a name for other services' containers (rancher/dns-service).
	KindAlias = "dnsService"
)

// serviceActions lists, per service state, the actions Cattle advertises (cattle-api 8.1).
// setservicelinks is always present (see Actions): `up` relinks existing services.
var serviceActions = map[string][]string{
	"inactive":          {"activate", "remove", "update", "upgrade"},
	"active":            {"deactivate", "remove", "restart", "update", "upgrade"},
	"error":             {"activate", "deactivate", "remove", "update"},
	"upgraded":          {"finishupgrade", "remove", "rollback"},
	"upgrading":         {"cancelupgrade", "remove", "rollback"},
	"canceled-upgrade":  {"remove", "rollback"},
	"registering":       {"remove"},
	"activating":        {"deactivate", "remove", "update"},
	"updating-active":   {"deactivate", "remove", "update"},
	"restarting":        {"deactivate", "remove"},
	"deactivating":      {"remove"},
	"finishing-upgrade": {"remove"},
	"rolling-back":      {"remove"},
	"removing":          {},
	"removed":           {},
}

// containerActions lists, per container state, the advertised actions.
var containerActions = map[string][]string{
	"running":  {"execute", "logs", "remove", "restart", "stop"},
	"stopped":  {"logs", "remove", "start"},
	"stopping": {"logs"},
	"error":    {"remove"},
	"creating": {"remove", "stop"},
	"starting": {"logs", "stop"},
}

// stackActions lists, per stack state, the advertised actions.
var stackActions = map[string][]string{
	"active":     {"activateservices", "deactivateservices", "exportconfig", "remove", "update"},
	"activating": {"remove"},
	"error":      {"remove"},
}

// hostActions lists, per host state, the advertised actions.
var hostActions = map[string][]string{
	"active":   {"deactivate", "dockersocket"},
	"inactive": {"activate", "dockersocket"},
}

// Actions returns the action names available to a resource of kind in state. Service kinds
// (loadBalancerService, dnsService, externalService) share the service table.
func Actions(kind, state string) []string {
	switch kind {
	case KindStack:
		return stackActions[state]
	case KindContainer:
		return containerActions[state]
	case KindHost:
		return hostActions[state]
	default:
		if isServiceKind(kind) {
			acts := serviceActions[state]
			if state != "removed" && state != "removing" {
				acts = append(append([]string{}, acts...), "setservicelinks")
			}
			return acts
		}
		return nil
	}
}

// ServiceActions returns the actions a service advertises: those of its state, and
// rollback on a service an in-service upgrade left in error (a new container could not be
// created or started; the old ones are stopped). Cattle keeps such a service in
// "upgrading" with transitioning "error" and offers rollback there (cattle-semantics.md
// 2.4, 4.6, 4.8), with the previous launch configs still kept; spinlocal shows it as
// "error", so it adds the action.
func ServiceActions(svc Service) []string {
	acts := Actions(svc.Type, svc.State)
	if failedUpgrade(&svc) && !slices.Contains(acts, "rollback") {
		acts = append(slices.Clone(acts), "rollback")
	}
	return acts
}

// failedUpgrade reports whether a service is in error because a step of an in-service
// upgrade failed, with the configs from before the upgrade kept for a rollback.
func failedUpgrade(svc *Service) bool {
	return svc.State == "error" && svc.ErrorDuring == "upgrading" && svc.Upgrade != nil
}

// allows reports whether action is advertised for kind in state.
func allows(kind, state, action string) bool {
	for _, a := range Actions(kind, state) {
		if a == action {
			return true
		}
	}
	return false
}

// isServiceKind reports whether t is one of the service types.
func isServiceKind(t string) bool {
	switch t {
	case "service", "loadBalancerService", "dnsService", "externalService":
		return true
	}
	return false
}

// transitioningFor returns the transitioning flag that goes with a state.
func transitioningFor(state string) string {
	switch state {
	case "registering", "activating", "deactivating", "removing", "restarting", "creating",
		"starting", "stopping", "requested", "updating-active", "updating-inactive",
		"upgrading", "finishing-upgrade", "rolling-back", "canceling-upgrade":
		return "yes"
	case "error":
		return "error"
	}
	return "no"
}
