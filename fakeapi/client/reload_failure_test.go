package client_test

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// missingImage is an image that is neither local nor on any registry the tests reach.
const missingImage = "spinlocal/no-such-image:reload-test"

// metadataHash is the config hash the daemon keeps for a service.
func metadataHash(r client.Resource) string {
	m, _ := r["metadata"].(map[string]any)
	s, _ := m["io.rancher.service.hash"].(string)
	return s
}

// A save whose new image cannot be pulled upgrades nothing: the image is pulled before
// any container is stopped, the old container keeps running, and the files that are
// fixed again change nothing.
func TestReloadLeavesAServiceWhoseNewImageCannotBePulled(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "badpull")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()
	web, hash := s.running("web"), metadataHash(s.service("web"))

	s.write("docker-compose.yml", strings.Replace(apitest.LinkedPair, "  web:\n    image: %[1]s",
		"  web:\n    image: "+missingImage, 1), apitest.Image(), "hello")
	_, err := s.reload(client.ReloadOptions{Settle: 30 * time.Second})
	var se *client.ServiceError
	if !errors.As(err, &se) || se.Service != "web" || se.RolledBack ||
		!strings.Contains(err.Error(), "pull image "+missingImage) ||
		!strings.Contains(err.Error(), "keeps its containers") {
		t.Fatalf("reload error = %v, want web's image that cannot be pulled", err)
	}
	svc := s.service("web")
	lc, _ := svc["launchConfig"].(map[string]any)
	if svc.Str("state") != "active" || lc["imageUuid"] != "docker:"+apitest.Image() ||
		metadataHash(svc) != hash {
		t.Errorf("web is %s with image %v, hash %s (was %s)", svc.Str("state"),
			lc["imageUuid"], metadataHash(svc), hash)
	}
	if now := s.running("web"); fmt.Sprint(now) != fmt.Sprint(web) {
		t.Errorf("web runs %v, want the old %v", now, web)
	}

	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil || changes["web"].Kind != client.Unchanged ||
		changes["db"].Kind != client.Unchanged {
		t.Errorf("the fixed files: %v %+v, want both unchanged", err, changes)
	}
}

// An upgrade whose new container cannot be created (its host port is taken) leaves the
// service in error; the reload rolls it back, which brings the old container back.
func TestReloadRollsBackAnUpgradeWhoseContainerFails(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "portfail")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()
	web := s.running("web")

	holder, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	port := holder.Addr().(*net.TCPAddr).Port
	s.write("docker-compose.yml", strings.Replace(apitest.LinkedPair, "    links:",
		fmt.Sprintf("    ports:\n      - 127.0.0.1:%d:8080\n    links:", port), 1),
		apitest.Image(), "hello")
	_, err = s.reload(client.ReloadOptions{Settle: 30 * time.Second})
	var se *client.ServiceError
	if !errors.As(err, &se) || se.Service != "web" || !se.RolledBack ||
		!strings.Contains(err.Error(), fmt.Sprint(port)) {
		t.Fatalf("reload error = %v, want web rolled back for its port", err)
	}
	svc := s.service("web")
	lc, _ := svc["launchConfig"].(map[string]any)
	if svc.Str("state") != "active" || lc["ports"] != nil {
		t.Errorf("web is %s with ports %v after the rollback", svc.Str("state"), lc["ports"])
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		if now := s.running("web"); fmt.Sprint(now) != fmt.Sprint(web) {
			return apitest.Errf("web runs %v, want the old %v", now, web)
		}
		return ""
	})
}

// A service a `rancher up --upgrade` to a bad image left in error is rolled back before
// the next save is applied to it.
func TestReloadRollsBackAnEarlierFailedUpgradeFirst(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "earlier")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()

	svc := s.service("web")
	lc, _ := svc["launchConfig"].(map[string]any)
	bad := map[string]any{}
	for k, v := range lc {
		bad[k] = v
	}
	bad["imageUuid"] = "docker:" + missingImage
	bad["labels"] = map[string]any{"io.rancher.service.hash": "bad"}
	body := map[string]any{"inServiceStrategy": map[string]any{"launchConfig": bad,
		"batchSize": 1, "intervalMillis": 100}}
	if _, err := d.Client.Action(t.Context(), svc, "upgrade", body); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 60*time.Second, func() string {
		if svc = s.service("web"); svc.Str("state") != "error" {
			return apitest.Errf("web is %s", svc.Str("state"))
		}
		return ""
	})

	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "bonjour")
	changes, err := s.reload(client.ReloadOptions{Settle: 30 * time.Second})
	if err != nil || changes["web"].Kind != client.Upgraded {
		t.Fatalf("reload: %v %+v, want web upgraded", err, changes)
	}
	svc = s.service("web")
	lc, _ = svc["launchConfig"].(map[string]any)
	if svc.Str("state") != "active" || lc["imageUuid"] != "docker:"+apitest.Image() ||
		environment(svc)["GREETING"] != "bonjour" {
		t.Errorf("web is %s with image %v and environment %v", svc.Str("state"),
			lc["imageUuid"], environment(svc))
	}
	if n := len(s.running("web")); n != 1 {
		t.Errorf("web runs %d containers", n)
	}
}

// A save the audit refuses for several services names them all and changes none, not
// even the config hash, so the files put back are unchanged.
func TestReloadRefusedByTheAuditChangesNothing(t *testing.T) {
	policy := apitest.AuditOff()
	policy.Levels["privileged"] = audit.Reject
	d := apitest.StartCleanPolicy(t, policy)
	s := newStack(t, d, "refused")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	s.deploy()
	web, db := s.running("web"), s.running("db")

	s.write("docker-compose.yml", strings.ReplaceAll(apitest.LinkedPair,
		"    command:", "    privileged: true\n    command:"), apitest.Image(), "hello")
	_, err := s.reload(client.ReloadOptions{})
	var refused *client.AuditError
	if !errors.As(err, &refused) || len(refused.Findings) != 2 {
		t.Fatalf("reload error = %v, want the audit's refusal of web and db", err)
	}
	named := map[string]bool{}
	for _, f := range refused.Findings {
		named[f.Service] = strings.Contains(f.Message, "privileged")
	}
	if !named["web"] || !named["db"] {
		t.Errorf("refusals %+v, want web's and db's privileged", refused.Findings)
	}

	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil || changes["web"].Kind != client.Unchanged ||
		changes["db"].Kind != client.Unchanged {
		t.Errorf("the files put back: %v %+v, want both unchanged", err, changes)
	}
	if now := s.running("web"); fmt.Sprint(now) != fmt.Sprint(web) {
		t.Errorf("web containers %v became %v", web, now)
	}
	if now := s.running("db"); fmt.Sprint(now) != fmt.Sprint(db) {
		t.Errorf("db containers %v became %v", db, now)
	}
}

// A scale edited in rancher-compose.yml is applied without an upgrade; one that was not
// edited is left alone, as is every scale without Scales (as `rancher up` does).
func TestReloadAppliesAnEditedScale(t *testing.T) {
	d := apitest.StartClean(t)
	s := newStack(t, d, "scales")
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "hello")
	rancher := "version: '2'\nservices:\n  web:\n    scale: %d\n"
	s.write("rancher-compose.yml", rancher, 1)
	s.deploy()
	before := client.FileScales(s.load())
	web := s.running("web")

	s.write("rancher-compose.yml", rancher, 3)
	changes, err := s.reload(client.ReloadOptions{})
	if err != nil || changes["web"].Kind != client.Unchanged {
		t.Fatalf("without Scales: %v %+v, want web unchanged", err, changes)
	}

	changes, err = s.reload(client.ReloadOptions{Scales: before})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if ch := changes["web"]; ch.String() != "reload: web scaled 1 -> 3" {
		t.Errorf("web: %q, want scaled 1 -> 3", ch)
	}
	if ch := changes["db"]; ch.Kind != client.Unchanged {
		t.Errorf("db: %+v, want unchanged", ch)
	}
	now := s.running("web")
	if svc := s.service("web"); svc.Str("state") != "active" || len(now) != 3 ||
		!strings.Contains(fmt.Sprint(now), web[0]) {
		t.Errorf("web is %s running %v, want 3 with the old %v", svc.Str("state"), now, web)
	}

	after := client.FileScales(s.load())
	s.write("rancher-compose.yml", rancher, 1)
	changes, err = s.reload(client.ReloadOptions{Scales: after})
	if err != nil || changes["web"].String() != "reload: web scaled 3 -> 1" {
		t.Fatalf("scale down: %v %+v", err, changes)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		if now := s.running("web"); fmt.Sprint(now) != fmt.Sprint(web) {
			return apitest.Errf("web runs %v, want the first %v", now, web)
		}
		return ""
	})

	// An edit of the scale and of the environment: one upgrade, then the scale.
	one := client.FileScales(s.load())
	s.write("docker-compose.yml", apitest.LinkedPair, apitest.Image(), "bonjour")
	s.write("rancher-compose.yml", rancher, 2)
	changes, err = s.reload(client.ReloadOptions{Scales: one})
	if err != nil ||
		changes["web"].String() != "reload: web upgraded (environment), scaled 1 -> 2" {
		t.Fatalf("scale and environment: %v %+v", err, changes)
	}
	if n := len(s.running("web")); n != 2 {
		t.Errorf("web runs %d containers, want 2", n)
	}
}
