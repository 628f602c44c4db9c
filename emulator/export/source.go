package export

import (
	"fmt"

	"github.com/spinlocal/spinlocal/emulator"
)

// Source is the part of the emulator an export reads.
type Source interface {
	Stack(pid, id string) (emulator.Stack, error)
	Services(pid string) []emulator.Service
	Service(pid, id string) (emulator.Service, error)
}

// secretSource is a Source that also keeps secrets, to name the ones services mount.
type secretSource interface {
	Secrets(pid string) []emulator.Secret
}

// Reply answers the exportconfig action of stack st in environment pid: a composeConfig
// with the two files. Its actions map is empty, as the CLI writes a non-empty one to an
// answers file (cattle-api.md 5.10).
func Reply(src Source, pid string, st emulator.Stack) (map[string]any, error) {
	secretNames := map[string]string{}
	if ss, ok := src.(secretSource); ok {
		for _, sec := range ss.Secrets(pid) {
			secretNames[sec.ID] = sec.Name
		}
	}
	var services []Service
	for _, svc := range src.Services(pid) {
		if svc.StackID == st.ID && svc.Removed == nil {
			services = append(services, fromModel(svc, secretNames))
		}
	}
	lookup := func(id string) (string, string, bool) {
		target, err := src.Service(pid, id)
		if err != nil || target.Removed != nil {
			return "", "", false
		}
		stack, err := src.Stack(pid, target.StackID)
		if err != nil || stack.Removed != nil {
			return "", "", false
		}
		return stack.Name, target.Name, true
	}
	docker, rancher, err := Stack(st.Name, services, lookup)
	if err != nil {
		return nil, fmt.Errorf("exportconfig: %w", err)
	}
	return map[string]any{"type": "composeConfig", "dockerComposeConfig": docker,
		"rancherComposeConfig": rancher, "links": map[string]any{},
		"actions": map[string]any{}}, nil
}

// fromModel takes a stored service as export input, secretNames naming secrets by id.
// Its start-on-create flag is not exported: the CLI never sends it, so it only tells
// whether `rancher run` made the service.
func fromModel(svc emulator.Service, secretNames map[string]string) Service {
	in := Service{Name: svc.Name, Kind: svc.Type, Scale: svc.Scale,
		LaunchConfig: svc.LaunchConfig, Secondary: svc.Secondary, Metadata: svc.Metadata,
		RetainIP: svc.RetainIP, Extra: svc.Extra, Secrets: secretNames}
	for _, l := range svc.Links {
		in.Links = append(in.Links, Link{Alias: l.Name, ServiceID: l.ServiceID})
	}
	return in
}
