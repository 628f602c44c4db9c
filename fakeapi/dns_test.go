package fakeapi_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// A container finds a service of its own stack by name and one of another stack as
// service.stack, on the environment's network.
func TestServicesFindEachOtherByName(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	other := createStack(t, c, "other")
	db := createService(t, c, other, "db", sleeper(), 1)
	mine := createStack(t, c, "mine")
	mdb := createService(t, c, mine, "db", sleeper(), 1)
	probe := sleeper()
	// ping's first line names the address it resolved: PING db (172.18.0.3): ...
	probe["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; while true; do " +
		"for n in db db.other nosuch.other; do ping -c1 -W1 $n 2>&1 | head -1; done; " +
		"sleep 1; done"}
	app := createService(t, c, mine, "app", probe, 1)
	for _, s := range []client.Resource{db, mdb, app} {
		if _, err := c.Action(t.Context(), s, "activate", nil); err != nil {
			t.Fatal(err)
		}
		settle(t, c, reload(t, c, s), "active")
	}
	ct := instances(t, c, app)[0]
	mineIP := instances(t, c, mdb)[0].Str("primaryIpAddress")
	otherIP := instances(t, c, db)[0].Str("primaryIpAddress")
	want := []string{"PING db (" + mineIP + ")", "PING db.other (" + otherIP + ")"}
	seen := map[string]bool{}
	apitest.Eventually(t, 30*time.Second, func() string {
		err := c.StreamLogs(t.Context(), ct, map[string]any{"follow": false, "lines": -1,
			"timestamps": false}, func(l client.LogLine) { seen[l.Text] = true })
		if err != nil {
			return err.Error()
		}
		for _, w := range want {
			if !hasPrefix(seen, w) {
				return apitest.Errf("no line %q in %v", w, seen)
			}
		}
		return ""
	})
	if hasPrefix(seen, "PING nosuch.other (") {
		t.Error("an unknown name resolved")
	}
}

func hasPrefix(lines map[string]bool, prefix string) bool {
	for l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// A service that publishes a port gets its Spin public name in fqdn, and a container of
// another stack resolves that name: to Docker's host gateway where the daemon runs beside
// Docker Engine, else to the service's container on the environment's network.
func TestPublishedServiceHasPublicName(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	pub := createStack(t, c, "pub")
	lc := sleeper()
	lc["ports"] = []string{fmt.Sprintf("%d:8080", freeTCPPort(t))}
	web := createService(t, c, pub, "Web", lc, 1)
	quiet := createService(t, c, pub, "quiet", sleeper(), 1)
	env, err := d.Emu.Project(emulator.Caller{User: "elvis"}, web.Str("accountId"))
	if err != nil {
		t.Fatal(err)
	}
	name := "web.pub." + strings.ToLower(env.Name) + ".stable.spin.nersc.org"
	if got := web.Str("fqdn"); got != name {
		t.Errorf("fqdn = %q, want %q", got, name)
	}
	if v, ok := quiet["fqdn"]; !ok || v != nil {
		t.Errorf("fqdn of a service publishing nothing = %v (present %v), want null", v, ok)
	}
	probe := sleeper()
	probe["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; while true; do " +
		"ping -c1 -W1 " + name + " 2>&1 | head -1; sleep 1; done"}
	app := createService(t, c, createStack(t, c, "other"), "app", probe, 1)
	for _, s := range []client.Resource{web, app} {
		if _, err := c.Action(t.Context(), s, "activate", nil); err != nil {
			t.Fatal(err)
		}
		settle(t, c, reload(t, c, s), "active")
	}
	ip := instances(t, c, web)[0].Str("primaryIpAddress")
	if gw := localGateway(t, d); gw != "" {
		ip = gw
	}
	want, ct := "PING "+name+" ("+ip+")", instances(t, c, app)[0]
	apitest.Eventually(t, 30*time.Second, func() string {
		seen := map[string]bool{}
		err := c.StreamLogs(t.Context(), ct, map[string]any{"follow": false, "lines": -1,
			"timestamps": false}, func(l client.LogLine) { seen[l.Text] = true })
		if err != nil {
			return err.Error()
		}
		if !hasPrefix(seen, want) {
			return apitest.Errf("no line %q in %v", want, seen)
		}
		return ""
	})
}

// From a container of another stack, made before the service, the public name with the
// published host port (not the container port) reaches the service, as on Spin, where the
// name led to the host that published the port.
func TestPublicNameReachesPublishedPort(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	hostPort := apitest.FreePort(t)
	web := sleeper()
	web["command"] = []string{"sh", "-c", "mkdir -p /www && echo public-name-ok-$HOSTNAME " +
		"> /www/index.html && exec httpd -f -p 8080 -h /www"}
	web["ports"] = []string{fmt.Sprintf("%d:8080", hostPort)}
	svc := createService(t, c, createStack(t, c, "pubport"), "web", web, 1)
	name := svc.Str("fqdn")
	if !strings.HasPrefix(name, "web.pubport.") {
		t.Fatalf("fqdn = %q", name)
	}
	probe := sleeper()
	// busybox wget of the Debian build crashes; nc speaks HTTP/1.0 well enough.
	probe["command"] = []string{"sh", "-c", fmt.Sprintf("trap 'exit 0' TERM; while true; "+
		"do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 %s %d 2>&1 | "+
		"sed 's/^/host-port: /'; sleep 1; done", name, hostPort)}
	// The client runs before the service does: its hosts file must follow.
	app := createService(t, c, createStack(t, c, "client"), "app", probe, 1)
	if _, err := c.Action(t.Context(), app, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, app), "active")
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	want := "host-port: public-name-ok-"
	ct := instances(t, c, app)[0]
	apitest.Eventually(t, 30*time.Second, func() string {
		seen := map[string]bool{}
		err := c.StreamLogs(t.Context(), ct, map[string]any{"follow": false, "lines": 20,
			"timestamps": false}, func(l client.LogLine) { seen[l.Text] = true })
		if err != nil {
			return err.Error()
		}
		if !hasPrefix(seen, want) {
			return apitest.Errf("no line %q in %v", want, seen)
		}
		return ""
	})
	// The host reaches the port on loopback, as before.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", hostPort))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.HasPrefix(string(body), "public-name-ok-") {
		t.Errorf("from the host: %q, %v", body, err)
	}
}

// localGateway returns Docker's host gateway when it is an address of this machine, where
// public names resolve inside containers, else "".
func localGateway(t *testing.T, d *apitest.Daemon) string {
	t.Helper()
	gw, err := d.Engine.HostGateway(t.Context())
	if err != nil {
		return ""
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.String() == gw {
			return gw
		}
	}
	return ""
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// links: [db:database] lets the linking service's containers reach db as "database".
func TestLinkAliasesResolve(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "linked")
	db := createService(t, c, stack, "db", sleeper(), 1)
	if _, err := c.Action(t.Context(), db, "activate", nil); err != nil {
		t.Fatal(err)
	}
	db = settle(t, c, reload(t, c, db), "active")
	probe := sleeper()
	probe["command"] = []string{"sh", "-c", "trap 'exit 0' TERM; while true; do " +
		"ping -c1 -W1 database 2>&1 | head -1; sleep 1; done"}
	app := createService(t, c, stack, "app", probe, 1)
	if _, err := c.Action(t.Context(), app, "setservicelinks", map[string]any{
		"serviceLinks": []any{map[string]any{"name": "database",
			"serviceId": db.Str("id")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), reload(t, c, app), "activate", nil); err != nil {
		t.Fatal(err)
	}
	app = settle(t, c, reload(t, c, app), "active")
	dbIP := instances(t, c, db)[0].Str("primaryIpAddress")
	expectLine(t, c, instances(t, c, app)[0], "PING database ("+dbIP+"): 56 data bytes")
}
