package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// serveProjects answers {api}/projects: the environments the caller sees (GET), and
// `rancher env create` (POST {"name","projectTemplateId"}).
func (s *Server) serveProjects(req *request) {
	switch req.r.Method {
	case http.MethodGet:
		s.listProjects(req, "")
	case http.MethodPost:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		p, err := s.emu.CreateProject(req.caller, emulator.ProjectInput{Name: str(body, "name"),
			Description: str(body, "description"),
			TemplateID:  str(body, "projectTemplateId")})
		one(req, 201, req.u.renderProject(p), err)
	default:
		writeError(req.w, methodNotAllowed())
	}
}

// projectResource answers {api}/projects/{pid}: GET, DELETE (`env rm`), and the activate
// and deactivate actions.
func (s *Server) projectResource(req *request, p emulator.Project) {
	switch req.r.Method {
	case http.MethodGet:
		writeJSON(req.w, 200, req.u.renderProject(p))
	case http.MethodDelete:
		p, err := s.emu.RemoveProject(req.caller, p.ID)
		one(req, 200, req.u.renderProject(p), err)
	case http.MethodPost:
		action := actionOf(req.r)
		if action == "" {
			writeError(req.w, methodNotAllowed())
			return
		}
		if _, err := decodeBody(req.r); err != nil {
			writeError(req.w, err)
			return
		}
		p, err := s.emu.ProjectAction(req.caller, p.ID, action)
		one(req, 200, req.u.renderProject(p), err)
	default:
		writeError(req.w, methodNotAllowed())
	}
}

// listProjects lists the environments the caller sees; in a project scope only that one.
func (s *Server) listProjects(req *request, only string) {
	var items []map[string]any
	for _, p := range s.emu.Projects(req.caller) {
		if only != "" && p.ID != only {
			continue
		}
		items = append(items, req.u.renderProject(p))
	}
	self := req.u.api() + "/projects"
	if only != "" {
		self = req.u.project() + "/projects"
	}
	items = filter(items, req.r.URL.Query())
	writeJSON(req.w, 200, collection(self, "project", items,
		map[string]any{"project": req.u.api() + "/projects"}))
}

// serveTemplates answers project templates: the one Cattle template env create uses.
func (s *Server) serveTemplates(req *request, rest []string) {
	t := emulator.CattleTemplate
	self := req.u.api() + "/projecttemplates/" + t.ID
	tmpl := map[string]any{"id": t.ID, "type": "projectTemplate", "name": t.Name,
		"description": t.Description, "state": "active", "transitioning": "no",
		"transitioningMessage": "", "stacks": []any{}, "isPublic": true,
		"links": map[string]any{"self": self}, "actions": map[string]any{}}
	switch {
	case len(rest) == 0:
		items := filter([]map[string]any{tmpl}, req.r.URL.Query())
		writeJSON(req.w, 200, collection(req.u.api()+"/projecttemplates", "projectTemplate",
			items, nil))
	case len(rest) == 1 && rest[0] == t.ID:
		writeJSON(req.w, 200, tmpl)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}
