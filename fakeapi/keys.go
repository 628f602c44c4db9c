package fakeapi

import (
	"net/http"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// handleKeygen mints an API key: POST /spinlocal/v1/keys {"user": NAME} with
// "Authorization: Bearer <admin token>", the token the daemon keeps in its state dir.
// Only someone who can read the state dir can mint keys, as only NERSC users could on Spin.
func (s *Server) handleKeygen(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, methodNotAllowed())
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" || !s.emu.CheckAdmin(tok) {
		writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
			Message: "minting keys needs the daemon's admin token (admin.token in its state dir)"})
		return
	}
	body, err := decodeBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	access, secret, err := s.emu.CreateKey(str(body, "user"))
	if err != nil {
		writeError(w, err)
		return
	}
	s.log.Info("api key created", "user", str(body, "user"), "accessKey", access)
	writeJSON(w, 201, map[string]any{"type": "apiKey", "user": str(body, "user"),
		"publicValue": access, "secretValue": secret})
}
