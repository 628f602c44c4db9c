package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// loadText writes a docker-compose.yml and loads it as stack "mystack".
func loadText(t *testing.T, text string) *compose.Project {
	t.Helper()
	path := filepath.Join(t.TempDir(), "docker-compose.yml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compose.Load(context.Background(), compose.Options{Files: []string{path},
		ProjectName: "mystack", Environ: map[string]string{}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

const taggedProject = `version: '2'
services:
  web:
    image: nginx:1.19
    cap_drop: [ALL]
    labels:
      io.spinlocal.stack.tags: owner:elvis,group:csg
  db:
    image: postgres:12
    cap_drop: [ALL]
    labels:
      io.spinlocal.stack.tags: staff-owner:wilma
`

func TestAuditProjectTagsFromLabels(t *testing.T) {
	fs := CheckProject(Config{}, loadText(t, taggedProject))
	if len(fs) > 0 {
		t.Errorf("tags split over two services should satisfy stack-tags: %+v", fs)
	}
}

const sharedNames = `version: '2'
services:
  kv:
    image: redis:5
    cap_drop: [ALL]
    volumes: [kv.Redis:/data]
    secrets: [mystack.pw]
  kv-dump:
    image: redis:5
    cap_drop: [ALL]
    volumes: ['kv.Redis:/data:ro']
    secrets: [kv.mystack.pw2]
volumes:
  kv.Redis: {driver: rancher-nfs, external: true}
  spare_Vol: {}
secrets:
  mystack.pw: {external: true}
  kv.mystack.pw2: {external: true}
`

// A name used by several services is reported once; an unused declared
// volume is still checked; a secret named for kv but used by kv-dump is.
func TestAuditProjectNamesReportedOnce(t *testing.T) {
	cfg := Config{Levels: Levels{ruleStackTags: Off}}
	fs := CheckProject(cfg, loadText(t, sharedNames))
	count := map[string]int{}
	for _, f := range fs {
		count[f.Rule]++
	}
	want := map[string]int{ruleVolumeName: 2, ruleNFSVolumeName: 1, ruleSecretName: 1}
	for rule, n := range want {
		if count[rule] != n {
			t.Errorf("%s reported %d times, want %d: %+v", rule, count[rule], n, fs)
		}
	}
	if len(fs) != 4 {
		t.Errorf("findings = %+v", fs)
	}
}

func TestAuditProjectNil(t *testing.T) {
	if fs := CheckProject(Config{}, nil); fs != nil {
		t.Errorf("CheckProject(nil) = %+v", fs)
	}
}
