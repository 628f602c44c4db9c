package fakeapi

import (
	"net/http"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// request carries what a handler needs about one API call.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	caller emulator.Caller
	u      urls
}

// routeAPI dispatches /v2-beta/... paths.
func (s *Server) routeAPI(w http.ResponseWriter, r *http.Request, caller emulator.Caller,
	seg []string) {
	u := urls{base: baseURL(r)}
	req := &request{w: w, r: r, caller: caller, u: u}
	api := u.api()
	switch {
	case len(seg) == 0:
		w.Header().Set("X-API-Schemas", api+"/schemas")
		writeJSON(w, 200, map[string]any{"id": "v2-beta", "type": "apiVersion",
			"links": map[string]any{"self": api, "schemas": api + "/schemas",
				"projects": api + "/projects"}, "actions": map[string]any{}})
	case seg[0] == "schemas":
		w.Header().Set("X-API-Schemas", api+"/schemas")
		s.serveSchemas(req, api, accountSchemas, seg[1:])
	case seg[0] == "projects" && len(seg) == 1:
		s.listProjects(req, "")
	case seg[0] == "projects":
		s.routeProject(req, seg[1], seg[2:])
	case strings.EqualFold(seg[0], "projecttemplates"):
		s.serveTemplates(req, seg[1:])
	default:
		writeError(w, emulator.ErrNotFound)
	}
}

// serveSchemas answers a schema collection or one schema by id.
func (s *Server) serveSchemas(req *request, prefix string, defs []schemaDef, rest []string) {
	if len(rest) == 0 {
		writeJSON(req.w, 200, schemaCollection(prefix, defs))
		return
	}
	d, ok := findSchema(defs, rest[0])
	if !ok || len(rest) > 1 {
		writeError(req.w, emulator.ErrNotFound)
		return
	}
	writeJSON(req.w, 200, schemaResource(prefix, d))
}

// routeProject dispatches {api}/projects/{pid}/...
func (s *Server) routeProject(req *request, pid string, rest []string) {
	p, err := s.emu.Project(pid)
	if err != nil {
		writeError(req.w, err)
		return
	}
	req.u.pid = p.ID
	prefix := req.u.project()
	req.w.Header().Set("X-API-Schemas", prefix+"/schemas")
	if len(rest) == 0 {
		if req.r.Method != http.MethodGet {
			writeError(req.w, methodNotAllowed())
			return
		}
		writeJSON(req.w, 200, req.u.renderProject(p))
		return
	}
	coll := strings.ToLower(rest[0])
	switch {
	case coll == "schemas":
		s.serveSchemas(req, prefix, projectSchemas, rest[1:])
	case coll == "scripts" && len(rest) == 2 && rest[1] == "transform":
		s.handleTransform(req)
	case coll == "projects" && len(rest) == 1:
		s.listProjects(req, p.ID)
	case coll == "projects" && len(rest) == 2:
		other, err := s.emu.Project(rest[1])
		one(req, 200, req.u.renderProject(other), err)
	default:
		s.serveCollection(req, coll, rest[1:])
	}
}

// listProjects lists environments; in a project scope only that project.
func (s *Server) listProjects(req *request, only string) {
	var items []map[string]any
	for _, p := range s.emu.Projects() {
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
	writeJSON(req.w, 200, collection(self, "project", items, nil))
}

// serveTemplates answers project templates: the one "Cattle" template env create needs.
func (s *Server) serveTemplates(req *request, rest []string) {
	tmpl := map[string]any{"id": "1pt1", "type": "projectTemplate", "name": "Cattle",
		"description": "Default Cattle template", "state": "active", "transitioning": "no",
		"transitioningMessage": "", "stacks": []any{}, "isPublic": true,
		"links":   map[string]any{"self": req.u.api() + "/projecttemplates/1pt1"},
		"actions": map[string]any{}}
	switch {
	case len(rest) == 0:
		items := filter([]map[string]any{tmpl}, req.r.URL.Query())
		writeJSON(req.w, 200, collection(req.u.api()+"/projecttemplates", "projectTemplate",
			items, nil))
	case len(rest) == 1 && rest[0] == "1pt1":
		writeJSON(req.w, 200, tmpl)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func methodNotAllowed() error {
	return &emulator.APIError{Status: 405, Code: "Method not allowed",
		Message: "Method not allowed"}
}
