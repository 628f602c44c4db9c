package fakeapi_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/proxy"
)

// webService deploys a service whose containers answer HTTP on 8080 with their own
// host name, and waits until scale containers run.
func webService(t *testing.T, c *client.Client, stack string, scale int) (client.Resource,
	client.Resource) {
	t.Helper()
	ctx := t.Context()
	st, err := c.Create(ctx, "stacks", map[string]any{"name": stack})
	if err != nil {
		t.Fatal(err)
	}
	lc := map[string]any{"imageUuid": "docker:" + apitest.Image(), "command": []string{
		"sh", "-c", "mkdir -p /www && hostname > /www/index.html && " +
			"exec httpd -f -p 8080 -h /www"}}
	svc, err := c.Create(ctx, "services", map[string]any{"name": "web",
		"stackId": st.Str("id"), "scale": scale, "launchConfig": lc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(ctx, svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		items, err := c.List(ctx, "services/"+svc.Str("id")+"/instances", nil)
		running := 0
		for _, it := range items {
			if it.Str("state") == "running" {
				running++
			}
		}
		if err != nil || running < scale {
			return apitest.Errf("%d of %d containers running (%v)", running, scale, err)
		}
		return ""
	})
	return st, svc
}

// httpsVia trusts only pem and connects every request to addr.
func httpsVia(pem []byte, addr string) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}}
}

// The proxy serves a service's containers under a friendly name over HTTPS that
// verifies against the local CA, spreads requests over the containers, and forgets the
// name when the service is removed, as Spin's proxy did.
func TestProxyServesAServiceOverHTTPS(t *testing.T) {
	d := apitest.StartClean(t)
	ctx := t.Context()
	_, svc := webService(t, d.Client, "px", 2)

	ca, err := proxy.LoadCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := proxy.Start(ctx, proxy.Config{HTTPAddr: "127.0.0.1:0",
		HTTPSAddr: "127.0.0.1:0", Table: d.Emu, CA: ca, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	entry, err := d.Client.SetProxy(ctx, emulator.ProxyRequest{Hostname: "PX.localhost",
		Stack: "px", Service: "web", Port: 8080})
	if err != nil {
		t.Fatal(err)
	}
	if entry.Hostname != "px.localhost" || entry.TLS != "terminate" || entry.Backends != 2 {
		t.Fatalf("entry: %+v", entry)
	}
	c := httpsVia(ca.CertPEM(), srv.HTTPSAddr().String())
	served := map[string]int{}
	for range 6 {
		resp, err := c.Get("https://px.localhost/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		served[strings.TrimSpace(string(body))]++
	}
	if len(served) != 2 {
		t.Fatalf("containers that served: %v, want both", served)
	}
	for name, n := range served {
		if n != 3 {
			t.Fatalf("container %s served %d of 6", name, n)
		}
	}

	list, err := d.Client.Proxy(ctx)
	if err != nil || len(list.Entries) != 1 || list.Entries[0].Stack != "px" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if _, err := d.Client.Delete(ctx, svc); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		if n := len(d.Emu.ProxyEntries()); n != 0 {
			return apitest.Errf("%d proxy entries left after the service went", n)
		}
		return ""
	})
	// A connection kept alive gets a 404, a new one no certificate for the name.
	resp, err := c.Get("https://px.localhost/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("the proxy still serves a removed service's name: %s", resp.Status)
	}
	c.CloseIdleConnections()
	if _, err := c.Get("https://px.localhost/"); err == nil {
		t.Fatal("a new connection got a certificate for a removed name")
	}
}

// Bad entries are refused with what is wrong; a name someone else holds stays theirs.
func TestProxyRefusesBadEntries(t *testing.T) {
	d := apitest.StartClean(t)
	ctx := t.Context()
	st, err := d.Client.Create(ctx, "stacks", map[string]any{"name": "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.Create(ctx, "services", map[string]any{"name": "web",
		"stackId": st.Str("id"), "scale": 1, "launchConfig": map[string]any{
			"imageUuid": "docker:" + apitest.Image()}}); err != nil {
		t.Fatal(err)
	}
	good := emulator.ProxyRequest{Hostname: "mine.localhost", Stack: "mine",
		Service: "web", Port: 8080}
	cases := []struct {
		change func(*emulator.ProxyRequest)
		status int
		want   string
	}{
		{func(r *emulator.ProxyRequest) { r.Stack = "nostack" }, 422,
			"no stack nostack in environment dev-cattle"},
		{func(r *emulator.ProxyRequest) { r.Service = "nosvc" }, 422, "has no service nosvc"},
		{func(r *emulator.ProxyRequest) { r.Hostname = "127.0.0.1" }, 422, "an address"},
		{func(r *emulator.ProxyRequest) { r.Hostname = "single" }, 422, "needs a domain"},
		{func(r *emulator.ProxyRequest) { r.Port = 0 }, 422, "1-65535"},
		{func(r *emulator.ProxyRequest) { r.TLS = "maybe" }, 422, "want terminate"},
		{func(r *emulator.ProxyRequest) { r.Hostname = "web.mine.dev-cattle.localhost" }, 422,
			"form of Spin's public names"},
		{func(r *emulator.ProxyRequest) { r.Hostname = "x.mine.stable.spin.nersc.org" }, 422,
			"form of Spin's public names"},
	}
	for _, tc := range cases {
		req := good
		tc.change(&req)
		_, err := d.Client.SetProxy(ctx, req)
		var apiErr *client.Error
		if !asAPIError(err, &apiErr) || apiErr.Status != tc.status ||
			!strings.Contains(apiErr.Message, tc.want) {
			t.Errorf("%+v: got %v, want %d %q", req, err, tc.status, tc.want)
		}
	}
	if _, err := d.Client.SetProxy(ctx, good); err != nil {
		t.Fatal(err)
	}

	// The owner's second stack cannot take the name from the first either: the two
	// would take it from each other on every deploy.
	st2, err := d.Client.Create(ctx, "stacks", map[string]any{"name": "mine2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.Create(ctx, "services", map[string]any{"name": "web",
		"stackId": st2.Str("id"), "scale": 1, "launchConfig": map[string]any{
			"imageUuid": "docker:" + apitest.Image()}}); err != nil {
		t.Fatal(err)
	}
	moved := good
	moved.Stack = "mine2"
	_, err = d.Client.SetProxy(ctx, moved)
	var sameUser *client.Error
	if !asAPIError(err, &sameUser) || sameUser.Status != 409 ||
		!strings.Contains(sameUser.Message, "already proxied to dev-cattle/mine/web:8080, "+
			"another stack") {
		t.Fatalf("a second stack of the owner took the name: %v", err)
	}
	if _, err := d.Client.SyncProxy(ctx, "mine2", []emulator.ProxyRequest{moved}); err == nil {
		t.Fatal("a sync of the second stack took the name")
	}

	// Another user, with a stack of their own, cannot take the name or remove it.
	access, secret, err := d.Emu.CreateKey("mallory")
	if err != nil {
		t.Fatal(err)
	}
	other := client.New(d.Server.URL, access, secret)
	other.Project = d.Client.Project
	ost, err := other.Create(ctx, "stacks", map[string]any{"name": "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create(ctx, "services", map[string]any{"name": "web",
		"stackId": ost.Str("id"), "scale": 1, "launchConfig": map[string]any{
			"imageUuid": "docker:" + apitest.Image()}}); err != nil {
		t.Fatal(err)
	}
	taken := good
	taken.Stack = "theirs"
	_, err = other.SetProxy(ctx, taken)
	var apiErr *client.Error
	if !asAPIError(err, &apiErr) || apiErr.Status != 409 ||
		!strings.Contains(apiErr.Message, "already proxied to dev-cattle/mine/web:8080") {
		t.Fatalf("taking someone's name: %v", err)
	}
	if err := other.RemoveProxy(ctx, "mine.localhost"); err == nil {
		t.Fatal("another user removed the entry")
	}
	// Pointing a proxy entry at a stack one does not own is refused too.
	_, err = other.SetProxy(ctx, emulator.ProxyRequest{Hostname: "x.localhost",
		Stack: "mine", Service: "web", Port: 80})
	if !asAPIError(err, &apiErr) || !strings.Contains(apiErr.Message, "you don't own") {
		t.Fatalf("proxying someone else's stack: %v", err)
	}

	// A sync with one bad entry changes nothing.
	_, err = d.Client.SyncProxy(ctx, "mine", []emulator.ProxyRequest{
		{Hostname: "second.localhost", Stack: "mine", Service: "web", Port: 8080},
		{Hostname: "third.localhost", Stack: "mine", Service: "nosvc", Port: 8080}})
	if err == nil {
		t.Fatal("a sync with an unknown service was accepted")
	}
	if got := d.Emu.ProxyEntries(); len(got) != 1 || got[0].Hostname != "mine.localhost" {
		t.Fatalf("entries after a refused sync: %+v", got)
	}
	// A good sync replaces the stack's entries.
	set, err := d.Client.SyncProxy(ctx, "mine", []emulator.ProxyRequest{
		{Hostname: "second.localhost", Stack: "mine", Service: "web", Port: 8080}})
	if err != nil || len(set) != 1 {
		t.Fatalf("sync: %+v %v", set, err)
	}
	if got := d.Emu.ProxyEntries(); len(got) != 1 || got[0].Hostname != "second.localhost" {
		t.Fatalf("entries after a sync: %+v", got)
	}
	if err := d.Client.RemoveProxy(ctx, "nothing.localhost"); !client.IsNotFound(err) {
		t.Fatalf("removing an unknown name: %v", err)
	}

	// Entries outlive a daemon restart.
	d.Stop()
	d2 := apitest.Start(t, d.StateDir)
	t.Cleanup(d2.Stop)
	if got := d2.Emu.ProxyEntries(); len(got) != 1 || got[0].Hostname != "second.localhost" ||
		got[0].Stack != "mine" {
		t.Fatalf("entries after a restart: %+v", got)
	}
}
