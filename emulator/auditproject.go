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
