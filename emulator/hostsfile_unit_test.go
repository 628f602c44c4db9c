package emulator

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestExtraHostsParse(t *testing.T) {
	got, err := extraHosts([]string{"db:10.0.0.5", "v6=::1", "gw:host-gateway",
		"wrapped:[fe80::1]"}, "172.17.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := "10.0.0.5\tdb\n::1\tv6\n172.17.0.1\tgw\nfe80::1\twrapped\n"
	if s := string(renderHosts(got, nil, nil, nil)); !strings.HasSuffix(s, want) {
		t.Errorf("rendered\n%s\nwant it to end with\n%s", s, want)
	}
	for _, bad := range []string{"nohost", ":10.0.0.1", "db:10.0.0", "db:"} {
		if _, err := extraHosts([]string{bad}, ""); err == nil ||
			!strings.Contains(err.Error(), bad) {
			t.Errorf("extraHosts(%q) gave %v, want an error naming it", bad, err)
		}
	}
}

func TestCheckExternal(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]any
		code  string
	}{
		{"ips", map[string]any{"externalIpAddresses": []any{"10.0.0.1", "fd00::1"}}, ""},
		{"host", map[string]any{"hostname": "db.example.org."}, ""},
		{"both", map[string]any{"externalIpAddresses": []any{"10.0.0.1"},
			"hostname": "db.example.org"}, "InvalidOption"},
		{"empty-list-and-host", map[string]any{"externalIpAddresses": []any{},
			"hostname": "db.example.org"}, ""},
		{"neither", nil, "MissingRequired"},
		{"bad-ip", map[string]any{"externalIpAddresses": []any{"300.0.0.1"}}, "InvalidFormat"},
		{"bad-host", map[string]any{"hostname": "-db.example.org"}, "InvalidFormat"},
		{"not-a-list", map[string]any{"externalIpAddresses": "10.0.0.1"}, "InvalidType"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkExternal("ext", tc.extra)
			var ae *APIError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code == "":
			case !errors.As(err, &ae) || ae.Code != tc.code:
				t.Fatalf("gave %v, want %s", err, tc.code)
			case !strings.Contains(ae.Message, "ext"):
				t.Errorf("message %q does not name the service", ae.Message)
			}
		})
	}
}

// hostsOf reads the hosts file of a service's first container.
func hostsOf(t *testing.T, e *Emulator, serviceID string) string {
	t.Helper()
	for _, c := range live(e, serviceID) {
		if !c.HostsFile {
			t.Fatalf("%s has no hosts file of the daemon's", c.Name)
		}
		path, err := e.hostsPath(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	t.Fatalf("service %s has no container", serviceID)
	return ""
}

func mustKind(t *testing.T, e *Emulator, kind, stackID, name string,
	extra map[string]any) Service {
	t.Helper()
	svc, err := e.CreateService(alice, testPID, ServiceInput{Type: kind, Name: name,
		StackID: stackID, Extra: extra})
	if err != nil {
		t.Fatalf("CreateService(%s %s): %v", kind, name, err)
	}
	return svc
}

// A container made before external and alias services sees them once they exist, and
// sees them change and go.
func TestHostsFilesFollowServices(t *testing.T) {
	e, _ := newEmu(t)
	restore := lookupHost
	t.Cleanup(func() { lookupHost = restore })
	lookupHost = func(_ context.Context, host string) ([]string, error) {
		if host == "db.example.org" {
			return []string{"192.0.2.7"}, nil
		}
		return nil, errors.New("no such host")
	}
	front, back := mustStack(t, e, "front"), mustStack(t, e, "back")
	web := mustService(t, e, front.ID, "web", 1)
	mustAction(t, e, web.ID, "activate")
	db := mustService(t, e, back.ID, "db", 1)
	mustAction(t, e, db.ID, "activate")
	passes(t, e, 2)
	if h := hostsOf(t, e, web.ID); strings.Contains(h, "rancher.internal") {
		t.Fatalf("Rancher names before there are any services for them:\n%s", h)
	}

	ext := mustKind(t, e, KindExternal, front.ID, "ext", map[string]any{
		"externalIpAddresses": []any{"10.0.0.9", "10.0.0.10"}})
	named := mustKind(t, e, KindExternal, back.ID, "named", map[string]any{
		"hostname": "DB.example.org."})
	missing := mustKind(t, e, KindExternal, back.ID, "missing", map[string]any{
		"hostname": "nowhere.example.org"})
	al := mustKind(t, e, KindAlias, front.ID, "al", nil)
	if _, err := e.ServiceAction(alice, testPID, al.ID, "setservicelinks", []ServiceLink{
		{ServiceID: db.ID}, {ServiceID: ext.ID}}); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	var dbIP string
	for _, c := range live(e, db.ID) {
		dbIP = c.IPAddress
	}
	h := hostsOf(t, e, web.ID)
	for _, line := range []string{
		"10.0.0.9\text ext.front ext.front.rancher.internal\n",
		"10.0.0.10\text ext.front ext.front.rancher.internal\n",
		"192.0.2.7\tnamed.back named.back.rancher.internal\n",
		dbIP + "\tal al.front al.front.rancher.internal\n",
		"10.0.0.10\tal al.front al.front.rancher.internal\n",
	} {
		if !strings.Contains(h, line) {
			t.Errorf("no line %q in\n%s", line, h)
		}
	}
	if strings.Contains(h, "missing") {
		t.Errorf("a hostname that does not resolve got a line:\n%s", h)
	}
	if msg := getService(t, e, missing.ID).TransitioningMessage; !strings.Contains(msg,
		"nowhere.example.org does not resolve") {
		t.Errorf("missing's message is %q", msg)
	}
	if msg := getService(t, e, named.ID).TransitioningMessage; msg != "" {
		t.Errorf("named's message is %q", msg)
	}
	// In another stack the bare names do not resolve.
	if h := hostsOf(t, e, db.ID); strings.Contains(h, "\text ") ||
		!strings.Contains(h, "\tnamed named.back ") {
		t.Errorf("db's hosts file has the wrong bare names:\n%s", h)
	}

	mustAction(t, e, ext.ID, "deactivate")
	if _, err := e.RemoveService(alice, testPID, named.ID); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	h = hostsOf(t, e, web.ID)
	if strings.Contains(h, "ext.front") || strings.Contains(h, "named.back") ||
		strings.Contains(h, "10.0.0.10") {
		t.Errorf("a stopped or removed service still resolves:\n%s", h)
	}
	if !strings.Contains(h, dbIP+"\tal al.front") {
		t.Errorf("the alias lost its running target:\n%s", h)
	}
}

// The hosts file of a removed container is removed.
func TestHostsFileSwept(t *testing.T) {
	e, _ := newEmu(t)
	st := mustStack(t, e, "s")
	web := mustService(t, e, st.ID, "web", 1)
	mustAction(t, e, web.ID, "activate")
	passes(t, e, 2)
	var path string
	for _, c := range live(e, web.ID) {
		path, _ = e.hostsPath(c.ID)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no hosts file: %v", err)
	}
	if _, err := e.RemoveService(alice, testPID, web.ID); err != nil {
		t.Fatal(err)
	}
	passes(t, e, 3)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("hosts file of a removed container: %v", err)
	}
}
