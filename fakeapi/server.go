package fakeapi

import (
	"bufio"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
)

// Server is the HTTP face of an emulator.
type Server struct {
	emu    *emulator.Emulator
	log    *slog.Logger
	tokens *tokenStore
	proxy  ProxyInfo
}

// New returns a Server for emu.
func New(emu *emulator.Emulator, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{emu: emu, log: log, tokens: newTokenStore(5 * time.Minute)}
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: 200, method: r.Method}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("request panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(rec, &emulator.APIError{Status: 500, Code: "Internal Server Error",
				Message: "internal error; see the daemon log"})
		}
		s.log.Debug("request", "method", r.Method, "url", r.URL.String(),
			"status", rec.status, "took", time.Since(start))
	}()
	path := r.URL.Path
	switch {
	case path == "/healthz":
		writeJSON(rec, 200, map[string]any{"status": "ok", "daemon": s.emu.DaemonID()})
	case path == "/spinlocal/v1/keys":
		s.handleKeygen(rec, r)
	case strings.HasPrefix(path, "/spinlocal/v1/projects/") &&
		strings.HasSuffix(path, "/audit"):
		pid := strings.TrimSuffix(strings.TrimPrefix(path, "/spinlocal/v1/projects/"),
			"/audit")
		s.handleAuditProject(rec, r, pid)
	case strings.HasPrefix(path, "/spinlocal/v1/") && isProxyPath(path):
		pid, rest, _ := routeProxy(path)
		s.handleProxy(rec, r, pid, rest)
	case path == "/v1/logs/" || path == "/v1/logs":
		s.handleLogsSocket(rec, r)
	case path == "/v1/exec/" || path == "/v1/exec":
		s.handleExecSocket(rec, r)
	case path == "/v1/dockersocket/" || path == "/v1/dockersocket":
		s.handleDockerSocket(rec, r)
	case path == "/v2-beta" || strings.HasPrefix(path, "/v2-beta/"):
		caller, ok := s.caller(rec, r)
		if !ok {
			return
		}
		s.routeAPI(rec, r, caller, segments(strings.TrimPrefix(path, "/v2-beta")))
	case path == "/v1-catalog" || strings.HasPrefix(path, "/v1-catalog/"):
		caller, ok := s.caller(rec, r)
		if !ok {
			return
		}
		s.routeCatalog(rec, r, caller, segments(strings.TrimPrefix(path, "/v1-catalog")))
	default:
		writeError(rec, emulator.ErrNotFound)
	}
}

// caller authenticates a request, answering Cattle's 401 envelope when it has no valid
// key.
func (s *Server) caller(w http.ResponseWriter, r *http.Request) (emulator.Caller, bool) {
	caller, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="spinlocal"`)
		writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
			Message: "Unauthorized"})
	}
	return caller, ok
}

// authenticate checks the Basic credentials against the daemon's keys.
func (s *Server) authenticate(r *http.Request) (emulator.Caller, bool) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return emulator.Caller{}, false
	}
	dec, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return emulator.Caller{}, false
	}
	access, secret, _ := strings.Cut(string(dec), ":")
	return s.emu.Authenticate(access, secret)
}

// segments splits a path into its parts, dropping one trailing empty part (action URLs
// end in "/?action=").
func segments(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// baseURL is scheme://host of the request, used to build absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	method string
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController and the websocket upgrader reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack hands the connection to the websocket upgrader.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}
