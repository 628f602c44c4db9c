package client_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// stack is one compose project on disk, deployed through a test daemon.
type stack struct {
	t   *testing.T
	d   *apitest.Daemon
	dir string
}

func newStack(t *testing.T, d *apitest.Daemon, name string) *stack {
	t.Helper()
	if !d.Engine.HasImage(t.Context(), apitest.Image()) {
		t.Skipf("image %s missing: run scripts/build-images.sh", apitest.Image())
	}
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &stack{t: t, d: d, dir: dir}
}

// write replaces a file of the project.
func (s *stack) write(name, format string, args ...any) {
	s.t.Helper()
	text := fmt.Sprintf(format, args...)
	if err := os.WriteFile(filepath.Join(s.dir, name), []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) load() *compose.Project {
	s.t.Helper()
	p, err := compose.Load(s.t.Context(), compose.Options{
		Files: []string{filepath.Join(s.dir, "docker-compose.yml")}})
	if err != nil {
		s.t.Fatalf("load: %v", err)
	}
	return p
}

func (s *stack) deploy() {
	s.t.Helper()
	if _, err := s.d.Client.Deploy(s.t.Context(), s.load(), io.Discard); err != nil {
		s.t.Fatalf("deploy: %v", err)
	}
}

func (s *stack) reload(opts client.ReloadOptions) (map[string]client.Change, error) {
	s.t.Helper()
	var out strings.Builder
	changes, err := s.d.Client.Reload(s.t.Context(), s.load(), opts, &out)
	s.t.Logf("reload output:\n%serror: %v", out.String(), err)
	byName := map[string]client.Change{}
	for _, ch := range changes {
		byName[ch.Service] = ch
	}
	return byName, err
}

// service returns the live service of that name, or nil.
func (s *stack) service(name string) client.Resource {
	s.t.Helper()
	r, err := s.d.Client.FindByName(s.t.Context(), "services", name, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// running lists the ids of the running containers of a service.
func (s *stack) running(name string) []string {
	s.t.Helper()
	svc := s.service(name)
	if svc == nil {
		return nil
	}
	items, err := s.d.Client.List(s.t.Context(), "services/"+svc.Str("id")+"/instances", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	var ids []string
	for _, c := range items {
		if c.Str("state") == "running" {
			ids = append(ids, c.Str("id"))
		}
	}
	return ids
}

func environment(r client.Resource) map[string]any {
	lc, _ := r["launchConfig"].(map[string]any)
	env, _ := lc["environment"].(map[string]any)
	return env
}

func TestReloadUpgradesOnlyChangedServices(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "pair")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()
	web, db := s.running("web"), s.running("db")

	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "bonjour")
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if ch := changes["web"]; ch.Kind != client.Upgraded || ch.Detail != "environment" {
		t.Errorf("web: %+v, want upgraded (environment)", ch)
	}
	if ch := changes["db"]; ch.Kind != client.Unchanged {
		t.Errorf("db: %+v, want unchanged", ch)
	}
	if got := s.running("db"); fmt.Sprint(got) != fmt.Sprint(db) {
		t.Errorf("db containers %v became %v", db, got)
	}
	now := s.running("web")
	if len(now) != 1 || now[0] == web[0] {
		t.Errorf("web containers %v became %v, want one new container", web, now)
	}
	svc := s.service("web")
	if svc.Str("state") != "active" || environment(svc)["GREETING"] != "bonjour" {
		t.Errorf("web is %s with environment %v", svc.Str("state"), environment(svc))
	}

	// The daemon keeps the hashes, so the same files change nothing.
	changes, err = s.reload(client.ReloadOptions{})
	if err != nil || changes["web"].Kind != client.Unchanged ||
		changes["db"].Kind != client.Unchanged {
		t.Errorf("second reload: %v %+v", err, changes)
	}
}

func TestReloadCreatesAndRemovesServices(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "grow")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()

	s.write("docker-compose.yml", `version: '2'
services:
  web:
    image: %[1]s
    command: %[2]s
    environment:
      GREETING: hello
  worker:
    image: %[1]s
    command: %[2]s
`, apitest.Image(), apitest.IdleCommand)
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	want := map[string]client.ChangeKind{"web": client.Unchanged, "worker": client.Created,
		"db": client.Removed}
	for name, kind := range want {
		if changes[name].Kind != kind {
			t.Errorf("%s: %+v, want %s", name, changes[name], kind)
		}
	}
	if s.service("db") != nil {
		t.Error("db is still there")
	}
	if w := s.service("worker"); w == nil || w.Str("state") != "active" ||
		len(s.running("worker")) != 1 {
		t.Errorf("worker: %v", w)
	}
}

func TestReloadUpdatesServiceSettingsWithoutNewContainers(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "meta")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	rancher := "version: '2'\nservices:\n  web:\n    metadata:\n      color: %s\n"
	s.write("rancher-compose.yml", rancher, "red")
	s.deploy()
	web := s.running("web")

	s.write("rancher-compose.yml", rancher, "blue")
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if ch := changes["web"]; ch.Kind != client.Updated {
		t.Errorf("web: %+v, want updated", ch)
	}
	meta, _ := s.service("web")["metadata"].(map[string]any)
	if meta["color"] != "blue" {
		t.Errorf("metadata = %v", meta)
	}
	if got := s.running("web"); fmt.Sprint(got) != fmt.Sprint(web) {
		t.Errorf("web containers %v became %v", web, got)
	}
}

func TestReloadRollsBackAnUpgradeThatNeverTurnsHealthy(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "sick")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()
	web := s.running("web")

	// Nothing listens on 8080, so the new container stays initializing.
	s.write("rancher-compose.yml", `version: '2'
services:
  web:
    health_check:
      port: 8080
      interval: 500
      response_timeout: 500
      initializing_timeout: 60000
`)
	start := time.Now()
	_, err := s.reload(client.ReloadOptions{Settle: 4 * time.Second})
	var se *client.ServiceError
	if !errors.As(err, &se) || !se.RolledBack || se.Service != "web" ||
		!strings.Contains(err.Error(), "not healthy within 4s") {
		t.Fatalf("reload error = %v, want web rolled back for its health", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("rollback took %s", took)
	}
	svc := s.service("web")
	lc, _ := svc["launchConfig"].(map[string]any)
	if svc.Str("state") != "active" || lc["healthCheck"] != nil {
		t.Errorf("web is %s with health check %v after the rollback", svc.Str("state"),
			lc["healthCheck"])
	}
	apitest.Eventually(t, 20*time.Second, func() string {
		if now := s.running("web"); fmt.Sprint(now) != fmt.Sprint(web) {
			return apitest.Errf("web runs %v, want the old %v", now, web)
		}
		return ""
	})
}

func TestReloadKeepsServiceTheAuditRefuses(t *testing.T) {
	policy := apitest.AuditOff()
	policy.Levels["privileged"] = audit.Reject
	d := apitest.StartCleanPolicy(t, policy)
	s := newStack(t, d, "audited")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()
	web := s.running("web")

	s.write("docker-compose.yml", strings.Replace(apitest.LinkedPair, "    links:",
		"    privileged: true\n    links:", 1), apitest.Image(), "bonjour")
	_, err := s.reload(client.ReloadOptions{})
	var refused *client.AuditError
	if !errors.As(err, &refused) || len(refused.Findings) != 1 ||
		refused.Findings[0].Service != "web" ||
		!strings.Contains(refused.Findings[0].Message, "privileged") {
		t.Fatalf("reload error = %v, want the daemon's audit refusing privileged", err)
	}
	svc := s.service("web")
	if svc.Str("state") != "active" || environment(svc)["GREETING"] != "hello" {
		t.Errorf("web is %s with environment %v", svc.Str("state"), environment(svc))
	}
	if got := s.running("web"); fmt.Sprint(got) != fmt.Sprint(web) {
		t.Errorf("web containers %v became %v", web, got)
	}
}

func TestReloadRecreatesAnInactiveJobWithoutStartingIt(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "jobs")
	job := "version: '2'\nservices:\n  job:\n    image: %s\n    command: [echo, %s]\n"
	s.write("docker-compose.yml", job, apitest.Image(), "one")
	s.write("rancher-compose.yml", "version: '2'\nservices:\n  job:\n"+
		"    start_on_create: false\n")
	s.deploy()

	s.write("docker-compose.yml", job, apitest.Image(), "two")
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil || changes["job"].Kind != client.Recreated {
		t.Fatalf("reload: %v %+v, want job recreated", err, changes)
	}
	svc := s.service("job")
	lc, _ := svc["launchConfig"].(map[string]any)
	if svc.Str("state") != "inactive" || fmt.Sprint(lc["command"]) != "[echo two]" {
		t.Errorf("job is %s with command %v", svc.Str("state"), lc["command"])
	}
	items, err := d.Client.List(t.Context(), "services/"+svc.Str("id")+"/instances", nil)
	if err != nil || len(items) != 0 {
		t.Errorf("job has containers %v (%v)", items, err)
	}
}

// An external service moved from external_ips to a hostname keeps only the hostname.
func TestReloadRetargetsExternalService(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "ext")
	s.write("docker-compose.yml", "version: '2'\nservices:\n  ext:\n"+
		"    image: rancher/external-service\n")
	s.write("rancher-compose.yml", "version: '2'\nservices:\n  ext:\n"+
		"    external_ips: [10.1.1.1]\n")
	s.deploy()

	s.write("rancher-compose.yml", "version: '2'\nservices:\n  ext:\n"+
		"    hostname: db.example.org\n")
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if ch := changes["ext"]; ch.Kind != client.Updated {
		t.Errorf("ext: %+v, want updated", ch)
	}
	ext := s.service("ext")
	ips, _ := ext["externalIpAddresses"].([]any)
	if ext.Str("hostname") != "db.example.org" || len(ips) != 0 ||
		ext.Str("state") != "active" {
		t.Errorf("ext is %s with hostname %q and IPs %v", ext.Str("state"),
			ext.Str("hostname"), ips)
	}
}
