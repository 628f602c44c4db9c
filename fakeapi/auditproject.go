package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// handleAuditProject answers POST /spinlocal/v1/projects/{pid}/audit, spinlocal's own
// extension: {"stack","tags","services":[{"name","launchConfig","secondaryLaunchConfigs"}]}
// gives the findings the daemon's audit has for that project, so `spinlocal up` can refuse
// a deploy before it creates anything.
func (s *Server) handleAuditProject(w http.ResponseWriter, r *http.Request, pid string) {
	caller, ok := s.caller(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, methodNotAllowed())
		return
	}
	if _, err := s.emu.Project(caller, pid); err != nil {
		writeError(w, err)
		return
	}
	body, err := decodeBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var services []emulator.AuditService
	raw, _ := body["services"].([]any)
	for _, e := range raw {
		m, _ := e.(map[string]any)
		services = append(services, emulator.AuditService{Name: str(m, "name"),
			Launch: rawMap(m, "launchConfig"), Secondary: cleanMaps(m, "secondaryLaunchConfigs")})
	}
	if err := s.emu.AuditOwnership(caller, pid, str(body, "stack"), services); err != nil {
		writeError(w, err)
		return
	}
	findings := s.emu.AuditProject(caller, str(body, "stack"), str(body, "tags"), services)
	writeJSON(w, 200, map[string]any{"findings": findings})
}
