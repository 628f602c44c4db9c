package fakeapi_test

import (
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// External and alias services resolve in containers of the environment by their Rancher
// names, including containers made before the services were, and follow changes.
func TestExternalAndAliasServicesResolve(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	front, back := createStack(t, c, "front"), createStack(t, c, "back")
	app := activeService(t, c, front, "app")
	db := activeService(t, c, back, "db")
	appCt, dbCt := instances(t, c, app)[0], instances(t, c, db)[0]
	dbIP := dbCt.Str("primaryIpAddress")

	ext := createKind(t, c, "externalservices", front, "ext", map[string]any{
		"externalIpAddresses": []string{"10.11.12.13"}})
	named := createKind(t, c, "externalservices", front, "named", map[string]any{
		"hostname": "localhost"})
	alias := createKind(t, c, "dnsservices", front, "al", nil)
	if _, err := c.Action(t.Context(), alias, "setservicelinks", map[string]any{
		"serviceLinks": []any{map[string]any{"serviceId": db.Str("id")}}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []client.Resource{ext, named, alias} {
		s = settle(t, c, reload(t, c, s), "active")
		if s.Str("healthState") != "healthy" {
			t.Errorf("%s is %s, want healthy", s.Str("name"), s.Str("healthState"))
		}
	}

	expectResolves(t, c, appCt, map[string]string{
		"ext": "10.11.12.13", "ext.front": "10.11.12.13",
		"ext.front.rancher.internal": "10.11.12.13",
		"named":                      "127.0.0.1", "named.front.rancher.internal": "127.0.0.1",
		"al": dbIP, "al.front": dbIP, "al.front.rancher.internal": dbIP,
	})
	// From another stack only the qualified names resolve.
	expectResolves(t, c, dbCt, map[string]string{
		"ext.front": "10.11.12.13", "al.front.rancher.internal": dbIP, "ext": "",
		"al": ""})

	// A change reaches running containers.
	put(t, c, ext, map[string]any{"externalIpAddresses": []string{"10.11.12.14"}})
	if _, err := c.Action(t.Context(), reload(t, c, alias), "setservicelinks",
		map[string]any{"serviceLinks": []any{
			map[string]any{"serviceId": app.Str("id")}}}); err != nil {
		t.Fatal(err)
	}
	appIP := appCt.Str("primaryIpAddress")
	expectResolves(t, c, appCt, map[string]string{"ext": "10.11.12.14", "al": appIP})
	expectResolves(t, c, dbCt, map[string]string{"al.front": appIP})

	// A removed service no longer resolves.
	if _, err := c.Delete(t.Context(), reload(t, c, ext)); err != nil {
		t.Fatal(err)
	}
	expectResolves(t, c, appCt, map[string]string{"ext": "", "ext.front": ""})
}

// An alias lists the containers of all its targets, across stacks, and a link alias to
// an external service resolves for the linking service.
func TestAliasUnionAndLinkToExternal(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	front, back := createStack(t, c, "front"), createStack(t, c, "back")
	db := activeService(t, c, back, "db")
	web := activeService(t, c, front, "web")
	ext := createKind(t, c, "externalservices", back, "ext", map[string]any{
		"externalIpAddresses": []string{"10.20.30.40", "10.20.30.41"}})
	alias := createKind(t, c, "dnsservices", back, "all", nil)
	if _, err := c.Action(t.Context(), alias, "setservicelinks", map[string]any{
		"serviceLinks": []any{map[string]any{"serviceId": db.Str("id")},
			map[string]any{"serviceId": web.Str("id")},
			map[string]any{"serviceId": ext.Str("id")}}}); err != nil {
		t.Fatal(err)
	}
	probe := sleeper()
	app := createService(t, c, front, "app", probe, 1)
	if _, err := c.Action(t.Context(), app, "setservicelinks", map[string]any{
		"serviceLinks": []any{map[string]any{"name": "upstream",
			"serviceId": ext.Str("id")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(t.Context(), reload(t, c, app), "activate", nil); err != nil {
		t.Fatal(err)
	}
	app = settle(t, c, reload(t, c, app), "active")
	appCt := instances(t, c, app)[0]
	expectResolves(t, c, appCt, map[string]string{"upstream": "10.20.30.40",
		"upstream.back": "10.20.30.40"})
	want := []string{instances(t, c, db)[0].Str("primaryIpAddress"),
		instances(t, c, web)[0].Str("primaryIpAddress"), "10.20.30.40", "10.20.30.41"}
	apitest.Eventually(t, 30*time.Second, func() string {
		hosts := shellIn(t, c, appCt, "cat /etc/hosts")
		for _, ip := range want {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(ip) +
				`\s+all\.back all\.back\.rancher\.internal$`).MatchString(hosts) {
				return apitest.Errf("no line for all.back at %s in\n%s", ip, hosts)
			}
		}
		return ""
	})
	// The web container, not linked, has no "upstream"; the lowest address comes first.
	first := slices.MinFunc(want, func(a, b string) int {
		return netip.MustParseAddr(a).Compare(netip.MustParseAddr(b))
	})
	expectResolves(t, c, instances(t, c, web)[0], map[string]string{"upstream": "",
		"all.back": first})
}

// External services refuse what Cattle refused: both targets, neither, or bad values.
func TestExternalServiceInputChecked(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "ext")
	for name, tc := range map[string]struct {
		fields map[string]any
		code   string
	}{
		"both": {map[string]any{"externalIpAddresses": []string{"10.0.0.1"},
			"hostname": "example.org"}, "InvalidOption"},
		"neither":   {nil, "MissingRequired"},
		"bad-ip":    {map[string]any{"externalIpAddresses": []string{"10.0.0"}}, "InvalidFormat"},
		"bad-host":  {map[string]any{"hostname": "no spaces.org"}, "InvalidFormat"},
		"not-list":  {map[string]any{"externalIpAddresses": "10.0.0.1"}, "InvalidType"},
		"host-dots": {map[string]any{"hostname": "a..b"}, "InvalidFormat"},
	} {
		t.Run(name, func(t *testing.T) {
			body := map[string]any{"name": "x" + name, "stackId": stack.Str("id")}
			for k, v := range tc.fields {
				body[k] = v
			}
			_, err := c.Create(t.Context(), "externalservices", body)
			var ae *client.Error
			if !asAPIError(err, &ae) || ae.Status != 422 || ae.Code != tc.code {
				t.Fatalf("create gave %v, want 422 %s", err, tc.code)
			}
			if !strings.Contains(ae.Message, "x"+name) {
				t.Errorf("message %q does not name the service", ae.Message)
			}
		})
	}
	ok := createKind(t, c, "externalservices", stack, "ok", map[string]any{
		"externalIpAddresses": []string{"10.0.0.1"}})
	err := c.Do(t.Context(), http.MethodPut, ok.Link("self"), map[string]any{
		"hostname": "example.org"}, nil)
	var ae *client.Error
	if !asAPIError(err, &ae) || ae.Code != "InvalidOption" {
		t.Fatalf("PUT of a hostname next to IPs gave %v, want InvalidOption", err)
	}
	if got := reload(t, c, ok); got["hostname"] != nil {
		t.Errorf("the refused PUT left hostname %v", got["hostname"])
	}
}

// activeService creates a sleeper service and waits until it is active.
func activeService(t *testing.T, c *client.Client, stack client.Resource,
	name string) client.Resource {
	t.Helper()
	svc := createService(t, c, stack, name, sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	return settle(t, c, reload(t, c, svc), "active")
}

// createKind creates a service of a kind-specific collection as the CLI does.
func createKind(t *testing.T, c *client.Client, coll string, stack client.Resource,
	name string, fields map[string]any) client.Resource {
	t.Helper()
	body := map[string]any{"name": name, "stackId": stack.Str("id"),
		"launchConfig": map[string]any{}}
	for k, v := range fields {
		body[k] = v
	}
	svc, err := c.Create(t.Context(), coll, body)
	if err != nil {
		t.Fatalf("create %s %s: %v", coll, name, err)
	}
	return svc
}

func put(t *testing.T, c *client.Client, r client.Resource, body map[string]any) {
	t.Helper()
	if err := c.Do(t.Context(), http.MethodPut, r.Link("self"), body, nil); err != nil {
		t.Fatalf("update %s: %v", r.Str("name"), err)
	}
}

// pingHeader is busybox ping's first line: the name and the address it resolved to.
var pingHeader = regexp.MustCompile(`^PING (\S+) \(([^)]+)\)`)

// expectResolves waits until every name resolves in container ct to its address, or
// does not resolve where the address is "".
func expectResolves(t *testing.T, c *client.Client, ct client.Resource,
	want map[string]string) {
	t.Helper()
	var script strings.Builder
	for name := range want {
		script.WriteString("echo \"" + name + " $(ping -c1 -W1 " + name +
			" 2>&1 | head -1)\"; ")
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		got := map[string]string{}
		for _, line := range strings.Split(shellIn(t, c, ct, script.String()), "\n") {
			name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
			if m := pingHeader.FindStringSubmatch(rest); m != nil {
				got[name] = m[2]
			} else if name != "" {
				got[name] = ""
			}
		}
		for name, addr := range want {
			if got[name] != addr {
				return apitest.Errf("in %s %s resolves to %q, want %q (all: %v)",
					ct.Str("name"), name, got[name], addr, got)
			}
		}
		return ""
	})
}
