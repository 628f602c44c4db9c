package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// badImage is an image that is neither local nor on any registry the tests reach.
const badImage = "spinlocal/no-such-image:watch-test"

// serviceState returns the state of a service of the rig's daemon.
func (r *watchRig) serviceState(name string) string {
	r.t.Helper()
	svc, err := r.d.Client.FindByName(r.t.Context(), "services", name, nil)
	if err != nil || svc == nil {
		r.t.Fatalf("service %s: %v", name, err)
	}
	return svc.Str("state")
}

// A save naming an image that cannot be pulled upgrades nothing: the old container runs
// on, the service stays active, and the save that fixes the image applies.
func TestWatchKeepsTheOldContainerWhenTheNewImageCannotBePulled(t *testing.T) {
	d := apitest.StartClean(t)
	img := apitest.Image()
	r := newWatchRig(t, d, "badpull", fmt.Sprintf(apitest.LinkedPair, img, "hello"))
	r.start(nil)
	web := r.containers("web")

	bad := strings.Replace(fmt.Sprintf(apitest.LinkedPair, img, "hello"),
		"  web:\n    image: "+img, "  web:\n    image: "+badImage, 1)
	r.save(bad)
	r.expect(`^reload: web: pull image ` + regexp.QuoteMeta(badImage) + `: .*; it was not ` +
		`upgraded and keeps its containers; the stack keeps running$`)
	if now := r.containers("web"); fmt.Sprint(now) != fmt.Sprint(web) {
		t.Errorf("web runs %v, want the old %v", now, web)
	}
	if st := r.serviceState("web"); st != "active" {
		t.Errorf("web is %s", st)
	}

	r.save(fmt.Sprintf(apitest.LinkedPair, img, "bonjour"))
	r.expect(`^reload: db unchanged$`, `^reload: web upgraded \(environment\)$`)
}

// A scale written into rancher-compose.yml scales the service, up and down, without
// replacing its containers.
func TestWatchAppliesAnEditedScale(t *testing.T) {
	d := apitest.StartClean(t)
	img := apitest.Image()
	r := newWatchRig(t, d, "scaling", fmt.Sprintf(apitest.LinkedPair, img, "hello"))
	r.start(nil)
	web := r.containers("web")
	rancher := filepath.Join(r.dir, "rancher-compose.yml")
	write := func(scale int) {
		text := fmt.Sprintf("version: '2'\nservices:\n  web:\n    scale: %d\n", scale)
		if err := os.WriteFile(rancher, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(3)
	r.expect(`^reload: db unchanged$`, `^reload: web scaled 1 -> 3$`)
	now := r.containers("web")
	for id := range web {
		if _, ok := now[id]; !ok || len(now) != 3 {
			t.Errorf("web runs %v, want 3 with the old %v", now, web)
		}
	}
	write(3)
	r.expect(`^reload: web unchanged$`)
	write(1)
	r.expect(`^reload: web scaled 3 -> 1$`)
	apitest.Eventually(t, 30*time.Second, func() string {
		if now := r.containers("web"); fmt.Sprint(now) != fmt.Sprint(web) {
			return apitest.Errf("web runs %v, want the first %v", now, web)
		}
		return ""
	})
}

// A save the audit refuses names every refused service and changes nothing, so putting
// the file back, or deleting it and copying it back, or writing it again unchanged,
// updates nothing.
func TestWatchRefusedSaveAndIdenticalRewritesChangeNothing(t *testing.T) {
	policy := apitest.AuditOff()
	policy.Levels["privileged"] = audit.Reject
	d := apitest.StartCleanPolicy(t, policy)
	img := apitest.Image()
	good := fmt.Sprintf(apitest.LinkedPair, img, "hello")
	r := newWatchRig(t, d, "rewrites", good)
	r.start(nil)
	web, db := r.containers("web"), r.containers("db")

	r.save(strings.ReplaceAll(good, "    command:", "    privileged: true\n    command:"))
	r.expect(`^reload: .*docker-compose.yml:\d+: service "db": privileged: .*`+
		`\(refused by the Spin audit\)$`,
		`^reload: .*docker-compose.yml:\d+: service "web": privileged: .*`+
			`\(refused by the Spin audit\); the stack keeps running$`)

	r.save(good)
	r.expect(`^reload: db unchanged$`, `^reload: web unchanged$`)

	if err := os.Remove(r.file); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: .*docker-compose.yml was deleted`)
	r.replace(good)
	r.expect(`^reload: db unchanged$`, `^reload: web unchanged$`)

	r.save(good)
	r.expect(`^reload: db unchanged$`, `^reload: web unchanged$`)
	now := time.Now()
	if err := os.Chtimes(r.file, now, now); err != nil {
		t.Fatal(err)
	}
	r.quiet(time.Second)
	if out := r.out.String(); strings.Contains(out, "updated") ||
		strings.Contains(out, "upgraded") {
		t.Errorf("something was updated:\n%s", out)
	}
	if fmt.Sprint(r.containers("web")) != fmt.Sprint(web) ||
		fmt.Sprint(r.containers("db")) != fmt.Sprint(db) {
		t.Errorf("containers changed: web %v -> %v, db %v -> %v", web,
			r.containers("web"), db, r.containers("db"))
	}
}
