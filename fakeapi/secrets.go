package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// renderSecret renders a secret. Its value is write-only: reads show "value": null.
func (u urls) renderSecret(sec emulator.Secret) map[string]any {
	m := base(sec.Meta, "secret")
	m["value"] = nil
	self := u.self("secrets", sec.ID)
	m["links"] = map[string]any{"self": self, "account": u.project()}
	m["actions"] = map[string]any{}
	return m
}

// serveSecrets handles {p}/secrets[/{id}].
func (s *Server) serveSecrets(req *request, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, sec := range s.emu.Secrets(pid) {
			items = append(items, req.u.renderSecret(sec))
		}
		self := req.u.project() + "/secrets"
		list(req, self, "secret", items, map[string]any{"secret": self})
	case len(rest) == 0 && req.r.Method == http.MethodPost:
		s.createSecret(req)
	case len(rest) == 1:
		s.secretResource(req, rest[0])
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func (s *Server) createSecret(req *request) {
	body, err := decodeBody(req.r)
	if err != nil {
		writeError(req.w, err)
		return
	}
	value, ok := body["value"].(string)
	if !ok && body["value"] != nil {
		writeError(req.w, &emulator.APIError{Status: 422, Code: "InvalidBase64",
			FieldName: "value", Message: "Invalid base64 content"})
		return
	}
	sec, err := s.emu.CreateSecret(req.caller, req.u.pid, str(body, "name"), value,
		str(body, "description"))
	one(req, 201, req.u.renderSecret(sec), err)
}

func (s *Server) secretResource(req *request, id string) {
	pid := req.u.pid
	sec, err := s.emu.Secret(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	switch req.r.Method {
	case http.MethodGet:
		writeJSON(req.w, 200, req.u.renderSecret(sec))
	case http.MethodDelete:
		sec, err = s.emu.RemoveSecret(req.caller, pid, id)
		one(req, 200, req.u.renderSecret(sec), err)
	default:
		writeError(req.w, methodNotAllowed())
	}
}
