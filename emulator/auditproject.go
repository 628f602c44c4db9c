package emulator

import "github.com/spinlocal/spinlocal/emulator/audit"

// AuditService is one service of a project as the pre-deploy audit sees it: the launch
// configs as a compose file gives them (secrets referenced by source).
type AuditService struct {
	Name      string
	Launch    map[string]any
	Secondary []map[string]any
}

// AuditProject runs the audit the API would run on each create, for a whole project at
// once and under the daemon's policy for caller, so a client can refuse a deploy before
// it makes anything. It changes nothing.
func (e *Emulator) AuditProject(caller Caller, stack, tags string,
	services []AuditService) []audit.Finding {
	cfg := e.cfg.Policy.auditConfig(caller)
	var fs []audit.Finding
	if stack != "Default" {
		fs = append(fs, audit.CheckStack(cfg, stack, tags)...)
	}
	for _, s := range services {
		fs = append(fs, audit.CheckService(cfg, stack, s.Name, s.Launch, s.Secondary)...)
	}
	return fs
}

// AuditOwnership refuses, before a client creates anything, a project that would act on
// someone else's stack or mount someone else's volume in environment pid: the refusals
// the API gives at each create (you don't own ...), for the whole project at once.
func (e *Emulator) AuditOwnership(caller Caller, pid, stack string,
	services []AuditService) error {
	var lcs []map[string]any
	for _, s := range services {
		lcs = append(append(lcs, s.Launch), s.Secondary...)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, st := range sortedValues(e.stacks) {
		if st.AccountID != pid || st.Name != stack || st.Removed != nil {
			continue
		}
		if err := e.mayChange(caller, st.ID); err != nil {
			return err
		}
		return e.mayMountVolumes(caller, st, lcs)
	}
	// A stack to be made is the caller's, so the same checks hold against one.
	return e.mayMountVolumes(caller, &Stack{Meta: Meta{AccountID: pid}, Owner: caller.User},
		lcs)
}
