package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// routeCatalog answers the {root}/v1-catalog API the CLI bootstraps for `stack ls`: the
// schemas it needs and an empty template list (spinlocal has no catalog).
func (s *Server) routeCatalog(w http.ResponseWriter, r *http.Request, caller emulator.Caller,
	seg []string) {
	cat := baseURL(r) + "/v1-catalog"
	w.Header().Set("X-API-Schemas", cat+"/schemas")
	req := &request{w: w, r: r, u: urls{base: baseURL(r)}}
	switch {
	case len(seg) == 0:
		writeJSON(w, 200, map[string]any{"id": "v1-catalog", "type": "apiVersion",
			"links":   map[string]any{"self": cat, "schemas": cat + "/schemas"},
			"actions": map[string]any{}})
	case seg[0] == "schemas":
		s.serveSchemas(req, cat, catalogSchemas, seg[1:])
	case seg[0] == "projects" && len(seg) == 2:
		if _, err := s.emu.Project(caller, seg[1]); err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("X-API-Schemas", cat+"/schemas")
		writeJSON(w, 200, map[string]any{"id": seg[1], "type": "project",
			"links":   map[string]any{"self": cat + "/projects/" + seg[1]},
			"actions": map[string]any{}})
	case seg[0] == "templates" && len(seg) == 1:
		writeJSON(w, 200, collection(cat+"/templates", "template", nil, nil))
	default:
		writeError(w, emulator.ErrNotFound)
	}
}
