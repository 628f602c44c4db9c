package fakeapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/dockerproxy"
)

// dockerSocketToken answers the host action "dockersocket" with a host-access token.
// The Rancher CLI asks for one per connection its docker client opens (cattle-api 6.5).
func (s *Server) dockerSocketToken(req *request) {
	if _, err := decodeBody(req.r); err != nil {
		writeError(req.w, err)
		return
	}
	caller := req.caller
	tok := s.tokens.issue(grant{pid: req.u.pid, docker: &caller})
	wsBase := "ws" + strings.TrimPrefix(req.u.base, "http")
	writeJSON(req.w, 200, map[string]any{"type": "hostAccess",
		"url": wsBase + "/v1/dockersocket/", "token": tok, "links": map[string]any{},
		"actions": map[string]any{}})
}

// handleDockerSocket relays one docker client connection for the token's caller. The CLI
// dials with the same Basic credentials it asked for the token with; credentials of
// somebody else are refused.
func (s *Server) handleDockerSocket(w http.ResponseWriter, r *http.Request) {
	g, ok := s.tokens.redeem(r.URL.Query().Get("token"))
	if !ok || g.docker == nil {
		writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
			Message: "dockersocket token is missing, used or expired; ask for a new one"})
		return
	}
	if r.Header.Get("Authorization") != "" {
		if caller, ok := s.authenticate(r); !ok || caller.User != g.docker.User {
			writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
				Message: "the credentials are not those the dockersocket token was made for"})
			return
		}
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	b := dockerBackend{emu: s.emu, caller: *g.docker, pid: g.pid}
	labels := map[string]string{engine.LabelDaemon: s.emu.DaemonID(),
		engine.LabelProjectID: g.pid}
	dockerproxy.Serve(r.Context(), conn, b, labels, s.log)
}

// dockerBackend binds the proxy to one caller in one environment.
type dockerBackend struct {
	emu    *emulator.Emulator
	caller emulator.Caller
	pid    string
}

func (b dockerBackend) Dial(ctx context.Context) (net.Conn, error) {
	return b.emu.DialDocker(ctx)
}

func (b dockerBackend) Targets() []emulator.DockerTarget {
	return b.emu.DockerTargets(b.caller, b.pid)
}

func (b dockerBackend) ExecTag() []string { return b.emu.ExecTag() }

// EndExec ends a tagged exec in one of the caller's containers only.
func (b dockerBackend) EndExec(ctx context.Context, dockerID, marker string) error {
	for _, t := range b.Targets() {
		if t.DockerID == dockerID && t.Mine {
			return b.emu.EndExec(ctx, dockerID, marker)
		}
	}
	return fmt.Errorf("end exec: container %.12s is not one of yours", dockerID)
}
