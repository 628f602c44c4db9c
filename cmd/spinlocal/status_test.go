package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

func TestStatusTableAndJSON(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	common := daemonArgs(d)
	out, code, err := runApp(t, nil, append([]string{"status"}, common...)...)
	if code != 0 || !strings.Contains(out, "No stacks in dev-cattle") {
		t.Fatalf("empty status: %d %v\n%s", code, err, out)
	}

	port := apitest.FreePort(t)
	file := webProject(t, "web", port)
	if out, code, err := runApp(t, nil, append([]string{"up", "-d", "--wait", "-f", file},
		common...)...); code != 0 {
		t.Fatalf("up: %v\n%s", err, out)
	}
	out, code, err = runApp(t, nil, append([]string{"status"}, common...)...)
	if code != 0 {
		t.Fatalf("status: %v\n%s", err, out)
	}
	row := regexp.MustCompile(fmt.Sprintf(`(?m)^  web +active +healthy +1/1 +`+
		`http://127\.0\.0\.1:%d`, port))
	if !regexp.MustCompile(`(?m)^web +active +healthy`).MatchString(out) ||
		!row.MatchString(out) {
		t.Errorf("status table:\n%s", out)
	}

	out, code, err = runApp(t, nil, append([]string{"status", "--json"}, common...)...)
	if code != 0 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	var st envStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out)
	}
	if len(st.Stacks) != 1 || len(st.Stacks[0].Services) != 1 {
		t.Fatalf("status --json: %+v", st)
	}
	svc := st.Stacks[0].Services[0]
	if svc.Name != "web" || svc.State != "active" || svc.Health != "healthy" ||
		len(svc.Endpoints) != 1 || svc.Endpoints[0].Port != port ||
		svc.Endpoints[0].URL != fmt.Sprintf("http://127.0.0.1:%d", port) {
		t.Errorf("service: %+v", svc)
	}
}

func TestStatusWithoutDaemon(t *testing.T) {
	url := fmt.Sprintf("http://127.0.0.1:%d", apitest.FreePort(t))
	out, code, err := runApp(t, nil, "status", "--url", url, "--state-dir", t.TempDir())
	if code != 1 || err == nil || !strings.Contains(err.Error(),
		"no spinlocal daemon answers at "+url) {
		t.Fatalf("%d %v\n%s", code, err, out)
	}
}
