package emulator

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/audit"
)

// spinDenied is a refusal worded the way NERSC's Spin API worded it: a 401 whose body
// carries only a message.
func spinDenied(format string, args ...any) error {
	return &APIError{Status: 401, Code: "Unauthorized", Message: fmt.Sprintf(format, args...),
		Spin: true}
}

// mayChange checks that caller owns the stack, or is in the group its tags name. Stacks
// made before ownership was recorded belong to everyone. Callers hold e.mu.
func (e *Emulator) mayChange(caller Caller, stackID string) error {
	st, ok := e.stacks[stackID]
	if !ok || st.Owner == "" || st.Owner == caller.User {
		return nil
	}
	for _, tag := range strings.Split(st.Group, ",") {
		if g, ok := strings.CutPrefix(strings.TrimSpace(tag), "group:"); ok &&
			e.cfg.Policy.inGroup(caller.User, g) {
			return nil
		}
	}
	return spinDenied("you don't own stack %s", st.Name)
}

// visible reports whether caller may see an environment. Callers hold e.mu.
func (e *Emulator) visible(caller Caller, p *Project) bool {
	return p.Owner == "" || p.Owner == caller.User || e.cfg.Policy.EnvironmentsShared
}

// mayChangeProject finds an environment caller may deactivate, activate or remove: one
// of its own. Spin's three are refused with the reason. Callers hold e.mu.
func (e *Emulator) mayChangeProject(caller Caller, id string) (*Project, error) {
	p, ok := e.projects[id]
	if !ok || !e.visible(caller, p) {
		return nil, notFound()
	}
	if builtinProject(id) {
		return nil, spinDenied("%s is one of Spin's environments, which NERSC manages: it "+
			"cannot be deactivated or removed; create your own with `rancher env create "+
			"NAME`", p.Name)
	}
	if p.Owner != "" && p.Owner != caller.User {
		return nil, spinDenied("you don't own environment %s", p.Name)
	}
	return p, nil
}

// MayChangeContainer checks that caller may act on a container (exec into it): the owner
// of its stack, or a member of the stack's group.
func (e *Emulator) MayChangeContainer(caller Caller, pid, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.changeContainer(caller, pid, id); err != nil {
		return err
	}
	return e.writable(pid)
}

// changeStack, changeService and changeContainer find a resource of an environment that
// caller may change. Callers hold e.mu.
func (e *Emulator) changeStack(caller Caller, pid, id string) (*Stack, error) {
	s, ok := e.stacks[id]
	if !ok || s.AccountID != pid {
		return nil, notFound()
	}
	return s, e.mayChange(caller, id)
}

func (e *Emulator) changeService(caller Caller, pid, id string) (*Service, error) {
	svc, ok := e.services[id]
	if !ok || svc.AccountID != pid {
		return nil, notFound()
	}
	return svc, e.mayChange(caller, svc.StackID)
}

func (e *Emulator) changeContainer(caller Caller, pid, id string) (*Container, error) {
	c, ok := e.containers[id]
	if !ok || c.AccountID != pid {
		return nil, notFound()
	}
	return c, e.mayChange(caller, c.StackID)
}

// auditService runs Spin's audit on a service's launch configs; rejections stop the
// request, warnings are logged. Callers hold e.mu.
func (e *Emulator) auditService(caller Caller, stack, service string, lc map[string]any,
	secondary []map[string]any) error {
	lcs := append([]map[string]any{lc}, secondary...)
	if err := e.mayUseSecrets(caller, lcs); err != nil {
		return err
	}
	if err := e.mayUseVolumes(caller, stack, lcs); err != nil {
		return err
	}
	lc = e.namedSecrets(lc)
	named := make([]map[string]any, len(secondary))
	for i, sk := range secondary {
		named[i] = e.namedSecrets(sk)
	}
	fs := audit.CheckService(e.cfg.Policy.auditConfig(caller), stack, service, lc, named)
	return e.verdict(fs, slog.String("stack", stack), slog.String("service", service))
}

// auditStack runs the stack-level rules (name, tags). The Default stack the Rancher CLI
// makes on its own is exempt: refusing it would crash the CLI's lookups.
func (e *Emulator) auditStack(caller Caller, name, tags string) error {
	if name == "Default" {
		return nil
	}
	fs := audit.CheckStack(e.cfg.Policy.auditConfig(caller), name, tags)
	return e.verdict(fs, slog.String("stack", name))
}

func (e *Emulator) verdict(fs []audit.Finding, attrs ...any) error {
	var rejected []string
	for _, f := range fs {
		if f.Level == audit.Reject {
			rejected = append(rejected, f.Message)
			continue
		}
		if f.Level == audit.Warn {
			e.log.Warn("audit: "+f.Message, append(attrs, "rule", f.Rule)...)
		}
	}
	if len(rejected) > 0 {
		return spinDenied("%s", strings.Join(rejected, "; "))
	}
	return nil
}

// namedSecrets returns a copy of a launch config whose secret references, which the API
// carries by secretId, also name their secret (source), so the audit's secret rules apply
// to them as to a compose file. Callers hold e.mu.
func (e *Emulator) namedSecrets(lc map[string]any) map[string]any {
	refs, _ := lc["secrets"].([]any)
	if len(refs) == 0 {
		return lc
	}
	out := make(map[string]any, len(lc))
	for k, v := range lc {
		out[k] = v
	}
	named := make([]any, 0, len(refs))
	for _, r := range refs {
		m, ok := r.(map[string]any)
		if !ok {
			named = append(named, r)
			continue
		}
		cp := make(map[string]any, len(m)+1)
		for k, v := range m {
			cp[k] = v
		}
		if id, _ := m["secretId"].(string); id != "" && cp["source"] == nil {
			if sec, ok := e.secrets[id]; ok {
				cp["source"] = sec.Name
			}
		}
		named = append(named, cp)
	}
	out["secrets"] = named
	return out
}

// mayUseSecrets refuses secret references to secrets caller does not own: mounting a secret
// reads its value, which only its owner may do. Callers hold e.mu.
func (e *Emulator) mayUseSecrets(caller Caller, lcs []map[string]any) error {
	for _, lc := range lcs {
		refs, _ := lc["secrets"].([]any)
		for _, r := range refs {
			m, _ := r.(map[string]any)
			id, _ := m["secretId"].(string)
			sec, ok := e.secrets[id]
			if ok && sec.Owner != "" && sec.Owner != caller.User {
				return spinDenied("you don't own secret %s", sec.Name)
			}
		}
	}
	return nil
}

// mayUseVolumes refuses named volumes caller may not mount (mayMountVolume), before
// anything reaches Docker. The audit is handed the stack's name, which is unique only
// within an environment: the launch configs are held to every stack of that name caller
// may change, and refused when they fail in all of them. In the rare case of one name in
// several environments where the verdicts differ, the check when a container is created
// (bindVolumes) still refuses the mount. Callers hold e.mu.
func (e *Emulator) mayUseVolumes(caller Caller, stackName string,
	lcs []map[string]any) error {
	var refusal error
	for _, st := range sortedValues(e.stacks) {
		if st.Name != stackName || st.Removed != nil || e.mayChange(caller, st.ID) != nil {
			continue
		}
		err := e.mayMountVolumes(caller, st, lcs)
		if err == nil {
			return nil
		}
		if refusal == nil {
			refusal = err
		}
	}
	return refusal
}

// mayMountVolumes checks each named volume the launch configs mount in stack st that
// exists already; one a mount would make belongs to the stack's owner. Callers hold e.mu.
func (e *Emulator) mayMountVolumes(caller Caller, st *Stack, lcs []map[string]any) error {
	for _, lc := range lcs {
		for _, raw := range stringList(lc["dataVolumes"]) {
			name, _, ok := namedMount(raw)
			if !ok {
				continue
			}
			if v := e.existingVolumeFor(st, name); v != nil {
				if err := e.mayMountVolume(caller, st, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// mayMountVolume checks that caller may mount volume v in stack st, a stack caller may
// change. As for stacks: the volume's owner may; so may whoever may change the stack
// the volume belongs to, and, for a volume of the stack's own owner, the members of the
// stack's group: tag (they change that stack for its owner, who gave them the tag).
// Mounting a volume reads and writes its data, so everyone else is refused, as Spin
// refuses acting on someone else's stack. Callers hold e.mu.
func (e *Emulator) mayMountVolume(caller Caller, st *Stack, v *Volume) error {
	if v.Owner == "" || v.Owner == caller.User || v.Owner == st.Owner {
		return nil
	}
	if v.StackID != "" && e.mayChange(caller, v.StackID) == nil {
		return nil
	}
	return spinDenied("you don't own volume %s", v.Name)
}

// adoptStackTags gives a stack without tags the ones a service carries in the
// io.spinlocal.stack.tags label: the Rancher CLI cannot set a stack's group field, so a
// compose file says it there. Callers hold e.mu.
func (e *Emulator) adoptStackTags(stack *Stack, lcs []map[string]any) {
	if stack.Group != "" {
		return
	}
	for _, lc := range lcs {
		labels, _ := lc["labels"].(map[string]any)
		if tags, _ := labels[audit.TagsLabel].(string); tags != "" {
			stack.Group = tags
			e.persist(stack)
			return
		}
	}
}
