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
		s.serveProjects(req)
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
	p, err := s.emu.Project(req.caller, pid)
	if err != nil {
		writeError(req.w, err)
		return
	}
	req.u.pid = p.ID
	prefix := req.u.project()
	req.w.Header().Set("X-API-Schemas", prefix+"/schemas")
	if len(rest) == 0 {
		s.projectResource(req, p)
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
		other, err := s.emu.Project(req.caller, rest[1])
		one(req, 200, req.u.renderProject(other), err)
	default:
		s.serveCollection(req, coll, rest[1:])
	}
}

func methodNotAllowed() error {
	return &emulator.APIError{Status: 405, Code: "Method not allowed",
		Message: "Method not allowed"}
}
