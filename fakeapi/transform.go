package fakeapi

import (
	"io"
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/transform"
)

// handleTransform answers POST {p}/scripts/transform: the CLI sends a Docker container
// config and gets the Cattle launch config it stands for.
func (s *Server) handleTransform(req *request) {
	if req.r.Method != http.MethodPost {
		writeError(req.w, methodNotAllowed())
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(req.w, req.r.Body, 16<<20))
	if err != nil {
		writeError(req.w, badRequest("cannot read the transform request: %v", err))
		return
	}
	lc, err := transform.LaunchConfig(raw)
	if err != nil {
		writeError(req.w, &emulator.APIError{Status: 422, Code: "InvalidFormat",
			Message: err.Error()})
		return
	}
	writeJSON(req.w, 200, lc)
}
