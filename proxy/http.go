package proxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// backendKey carries the chosen container address from the handler to the rewrite.
type backendKey struct{}

// handler serves the proxied host names over HTTP, or over HTTPS once terminated.
func (s *Server) handler(secure bool) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			addr, _ := pr.In.Context().Value(backendKey{}).(string)
			pr.SetURL(&url.URL{Scheme: "http", Host: addr})
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport: s.transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			addr, _ := r.Context().Value(backendKey{}).(string)
			s.cfg.Log.Warn("proxy: backend failed", "host", r.Host, "backend", addr,
				"err", err)
			http.Error(w, fmt.Sprintf("spinlocal proxy: the container at %s did not answer: "+
				"%v", addr, err), http.StatusBadGateway)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := hostOnly(r.Host)
		if r.TLS != nil && hostOnly(r.TLS.ServerName) != host {
			// The certificate was for the SNI name: the Host header may not pick another.
			http.Error(w, fmt.Sprintf("spinlocal proxy: this connection was opened for %s, "+
				"not %s", hostOnly(r.TLS.ServerName), host), http.StatusMisdirectedRequest)
			return
		}
		t, ok := s.cfg.Table.ProxyTarget(host)
		switch {
		case !ok:
			http.Error(w, fmt.Sprintf("spinlocal proxy: no entry for host %s (spinlocal "+
				"proxy ls lists them)", host), http.StatusNotFound)
			return
		case !secure && t.Entry.TLS == emulator.ProxyPassthrough:
			s.redirectHTTPS(w, r, host)
			return
		case len(t.Addrs) == 0:
			http.Error(w, noBackend(t), http.StatusServiceUnavailable)
			return
		}
		addr := s.balance.pick(host, t.Addrs)
		ctx := context.WithValue(r.Context(), backendKey{}, addr)
		rp.ServeHTTP(w, r.WithContext(ctx))
	})
}

// redirectHTTPS sends a plain HTTP request for a pass-through name to the HTTPS port: the
// service only speaks TLS.
func (s *Server) redirectHTTPS(w http.ResponseWriter, r *http.Request, host string) {
	if s.httpsPort == "" {
		http.Error(w, "spinlocal proxy: "+host+" is served over HTTPS only, and the HTTPS "+
			"side of the proxy is off", http.StatusMisdirectedRequest)
		return
	}
	target := url.URL{Scheme: "https", Host: net.JoinHostPort(host, s.httpsPort),
		Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	http.Redirect(w, r, target.String(), http.StatusPermanentRedirect)
}

// noBackend explains a 503.
func noBackend(t emulator.ProxyTarget) string {
	return fmt.Sprintf("spinlocal proxy: %s/%s has no running container to serve %s "+
		"(rancher ps %s/%s shows why)", t.Entry.Stack, t.Entry.Service, t.Entry.Hostname,
		t.Entry.Stack, t.Entry.Service)
}

// hostOnly strips the port and a trailing dot from a Host header, in lower case.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}
