package fakeapi

import (
	"net/http"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// ProxyInfo is what the daemon tells clients about its reverse proxy: where it listens
// (empty for a side that is off) and the CA certificate users trust.
type ProxyInfo struct {
	HTTP   string `json:"http,omitempty"`
	HTTPS  string `json:"https,omitempty"`
	CAPath string `json:"caPath,omitempty"`
	CAPEM  []byte `json:"-"`
}

// SetProxy tells the server about the running proxy.
func (s *Server) SetProxy(info ProxyInfo) { s.proxy = info }

// handleProxy answers spinlocal's proxy extension:
//
//	GET    /spinlocal/v1/proxy                  entries and where the proxy listens
//	GET    /spinlocal/v1/proxy/ca.pem           the local CA certificate (no key needed)
//	DELETE /spinlocal/v1/proxy/{hostname}       remove an entry of the caller's
//	POST   /spinlocal/v1/projects/{pid}/proxy   add or change an entry of that environment
//	PUT    /spinlocal/v1/projects/{pid}/proxy?stack=NAME {"entries": [...]}
//	                                            make the caller's entries of a stack these
func (s *Server) handleProxy(w http.ResponseWriter, r *http.Request, pid string,
	rest string) {
	if pid == "" && rest == "ca.pem" && r.Method == http.MethodGet {
		if len(s.proxy.CAPEM) == 0 {
			writeError(w, &emulator.APIError{Status: 404, Code: "NotFound",
				Message: "the daemon's HTTPS proxy is off, so it has no CA"})
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.proxy.CAPEM)
		return
	}
	caller, ok := s.caller(w, r)
	if !ok {
		return
	}
	switch {
	case pid != "" && rest == "" && r.Method == http.MethodPost:
		if _, err := s.emu.Project(caller, pid); err != nil {
			writeError(w, err)
			return
		}
		body, err := decodeBody(r)
		if err != nil {
			writeError(w, err)
			return
		}
		entry, err := s.emu.SetProxyRoute(caller, pid, proxyRequest(body))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, 201, entry)
	case pid != "" && rest == "" && r.Method == http.MethodPut:
		s.syncProxy(w, r, caller, pid)
	case pid == "" && rest == "" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"entries": s.emu.ProxyEntries(),
			"proxy": s.proxy})
	case pid == "" && rest != "" && !strings.Contains(rest, "/") &&
		r.Method == http.MethodDelete:
		if err := s.emu.RemoveProxyRoute(caller, rest); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, methodNotAllowed())
	}
}

// routeProxy picks the proxy paths out of /spinlocal/v1/...; ok is false for others.
func routeProxy(path string) (pid, rest string, ok bool) {
	if tail, found := strings.CutPrefix(path, "/spinlocal/v1/proxy"); found {
		if tail == "" {
			return "", "", true
		}
		if rest, found := strings.CutPrefix(tail, "/"); found {
			return "", rest, true
		}
		return "", "", false
	}
	tail, found := strings.CutPrefix(path, "/spinlocal/v1/projects/")
	if !found {
		return "", "", false
	}
	pid, found = strings.CutSuffix(tail, "/proxy")
	if !found || pid == "" || strings.Contains(pid, "/") {
		return "", "", false
	}
	return pid, "", true
}

func isProxyPath(path string) bool {
	_, _, ok := routeProxy(path)
	return ok
}

// syncProxy answers the PUT that applies a stack's proxy file.
func (s *Server) syncProxy(w http.ResponseWriter, r *http.Request, caller emulator.Caller,
	pid string) {
	if _, err := s.emu.Project(caller, pid); err != nil {
		writeError(w, err)
		return
	}
	body, err := decodeBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var reqs []emulator.ProxyRequest
	raw, _ := body["entries"].([]any)
	for _, e := range raw {
		m, _ := e.(map[string]any)
		reqs = append(reqs, proxyRequest(m))
	}
	entries, err := s.emu.SyncProxyRoutes(caller, pid, r.URL.Query().Get("stack"), reqs)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"entries": entries})
}

func proxyRequest(m map[string]any) emulator.ProxyRequest {
	port, _ := m["port"].(int64)
	return emulator.ProxyRequest{Hostname: str(m, "hostname"), Stack: str(m, "stack"),
		Service: str(m, "service"), Port: int(port), TLS: str(m, "tls")}
}
