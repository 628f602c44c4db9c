package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
)

// table is a proxy table held in memory, for tests of the proxy's own logic.
type table struct {
	mu      sync.Mutex
	targets map[string]emulator.ProxyTarget
}

func (t *table) ProxyTarget(host string) (emulator.ProxyTarget, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.targets[host]
	return v, ok
}

func (t *table) set(host, mode string, addrs ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.targets[host] = emulator.ProxyTarget{Addrs: addrs, Entry: emulator.ProxyEntry{
		Hostname: host, Stack: "demo", Service: "web", TLS: mode}}
}

// startProxy runs a proxy on free loopback ports with a CA in a temporary folder.
func startProxy(t *testing.T) (*Server, *table, *CA) {
	t.Helper()
	ca, err := LoadCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tb := &table{targets: map[string]emulator.ProxyTarget{}}
	s, err := Start(t.Context(), Config{HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0",
		Table: tb, CA: ca, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, tb, ca
}

// named answers every request with its own name, so a test sees who served it.
func named(t *testing.T, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s host=%s proto=%s", name, r.Host, r.Header.Get("X-Forwarded-Proto"))
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// clientFor trusts only the CA and sends every connection to addr, whatever the URL's
// host, as a resolver pointing the name at the proxy would.
func clientFor(ca *CA, addr string) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM())
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: &http.Transport{DialContext: dial,
		TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestTerminatedHTTPSVerifiesAndBalances(t *testing.T) {
	s, tb, ca := startProxy(t)
	tb.set("app.example.org", emulator.ProxyTerminate, named(t, "one"), named(t, "two"))
	c := clientFor(ca, s.HTTPSAddr().String())
	seen := map[string]int{}
	for range 6 {
		code, body := get(t, c, "https://app.example.org/")
		if code != 200 || !strings.Contains(body, "host=app.example.org proto=https") {
			t.Fatalf("got %d %q", code, body)
		}
		seen[strings.Fields(body)[0]]++
	}
	if seen["one"] != 3 || seen["two"] != 3 {
		t.Fatalf("requests per container: %v, want 3 each", seen)
	}
}

func TestPlainHTTPServesTheSameEntry(t *testing.T) {
	s, tb, ca := startProxy(t)
	tb.set("app.localhost", emulator.ProxyTerminate, named(t, "one"))
	code, body := get(t, clientFor(ca, s.HTTPAddr().String()), "http://app.localhost/x")
	if code != 200 || !strings.HasPrefix(body, "one host=app.localhost proto=http") {
		t.Fatalf("got %d %q", code, body)
	}
}

func TestUnknownHostAndNoContainerSayWhy(t *testing.T) {
	s, tb, ca := startProxy(t)
	tb.set("down.localhost", emulator.ProxyTerminate)
	c := clientFor(ca, s.HTTPAddr().String())
	code, body := get(t, c, "http://nothing.localhost/")
	if code != 404 || !strings.Contains(body, "no entry for host nothing.localhost") {
		t.Fatalf("unknown host: %d %q", code, body)
	}
	code, body = get(t, c, "http://down.localhost/")
	if code != 503 || !strings.Contains(body, "demo/web has no running container") {
		t.Fatalf("no container: %d %q", code, body)
	}
	// A TLS name without an entry gets no certificate.
	_, err := clientFor(ca, s.HTTPSAddr().String()).Get("https://nothing.localhost/")
	if err == nil {
		t.Fatal("TLS for a name without an entry succeeded")
	}
}

func TestDeadContainerIsABadGateway(t *testing.T) {
	s, tb, ca := startProxy(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	tb.set("gone.localhost", emulator.ProxyTerminate, dead)
	code, body := get(t, clientFor(ca, s.HTTPAddr().String()), "http://gone.localhost/")
	if code != 502 || !strings.Contains(body, dead) {
		t.Fatalf("got %d %q", code, body)
	}
}

func TestPassthroughRoutesBySNI(t *testing.T) {
	s, tb, ca := startProxy(t)
	// The service terminates TLS itself, with a certificate of its own.
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		fmt.Fprintf(w, "backend saw sni=%s", r.TLS.ServerName)
	}))
	t.Cleanup(backend.Close)
	tb.set("tls.example.org", emulator.ProxyPassthrough, backend.Listener.Addr().String())
	c := clientFor(ca, s.HTTPSAddr().String())
	// httptest's certificate is for example.com, so the client checks below that it got
	// exactly that certificate instead of verifying the name.
	c.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
	resp, err := c.Get("https://tls.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "backend saw sni=tls.example.org" {
		t.Fatalf("got %q", body)
	}
	if got := resp.TLS.PeerCertificates[0]; !got.Equal(backend.Certificate()) {
		t.Fatalf("the client saw certificate %q, not the service's own", got.Subject)
	}
	// Plain HTTP for a pass-through name is sent to HTTPS.
	code, _ := get(t, clientFor(ca, s.HTTPAddr().String()), "http://tls.example.org/a?b=1")
	if code != http.StatusPermanentRedirect {
		t.Fatalf("plain HTTP for a pass-through name: %d", code)
	}
}

func TestCAIsKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(first.CertPEM()) != string(again.CertPEM()) {
		t.Fatal("a second load made a new CA")
	}
	leaf, err := again.Leaf("app.localhost")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(first.CertPEM())
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: "app.localhost",
		Roots: pool}); err != nil {
		t.Fatalf("a leaf of the reloaded CA does not verify against the first: %v", err)
	}
}

// A terminated connection serves the name its certificate was for: a Host header naming
// another entry is refused.
func TestHostHeaderMustMatchTheTLSName(t *testing.T) {
	s, tb, ca := startProxy(t)
	tb.set("a.example.org", emulator.ProxyTerminate, named(t, "a"))
	tb.set("b.example.org", emulator.ProxyTerminate, named(t, "b"))
	req, err := http.NewRequest(http.MethodGet, "https://a.example.org/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "b.example.org"
	resp, err := clientFor(ca, s.HTTPSAddr().String()).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest ||
		!strings.Contains(string(body), "opened for a.example.org, not b.example.org") {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}
