package audit

import (
	"context"
	"github.com/spinlocal/spinlocal/emulator/compose/corpustest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// corpusDir holds real Spin and Rancher 1.x compose files; SOURCES.md there
// gives each a Spin verdict. Tests read them in place.
const corpusDir = "../../../shared/corpus/compose"

// corpusCase is the verdict expected for one corpus entry, written by hand
// from SOURCES.md and spin-rules.md, for the files as they are. stack is
// the name `rancher up` gives them: the directory they sit in upstream.
type corpusCase struct {
	name     string
	dir      string
	files    []string
	envFiles []string
	stack    string
	// replace and extra, when set, audit a copy in a temp dir instead: the
	// files with these replacements, plus the extra files.
	replace map[string]string
	extra   map[string]string
	loadErr string   // the loader's error must contain it
	reject  []string // rule ids at level reject, sorted; none means accepted
	warn    []string // rule ids at level warn, sorted
}

var corpusCases = []corpusCase{{
	// As-is the placeholders break the /global user rule, the secret owner
	// and, through "MySQL", Rancher's volume name rule.
	name: "spin-recipes-mysql", dir: "spin-recipes__1", stack: "mysql",
	files:  []string{"docker-compose.yml"},
	reject: []string{"global-root-user", "secret-owner", "volume-name"},
	warn:   []string{"nfs-volume-name", "secret-name", "stack-tags"},
}, {
	name: "spin-recipes-lets-proxy", dir: "spin-recipes__2", stack: "lets-proxy",
	files: []string{"docker-compose.yml"},
	warn:  []string{"nfs-volume-name", "stack-tags"},
}, {
	name: "spin-recipes-nginx-rootless", dir: "spin-recipes__3", stack: "nginx-rootless",
	files:  []string{"docker-compose.yml"},
	reject: []string{"port-not-allowed"},
	warn:   []string{"image-official", "stack-tags"},
}, {
	name: "spin-recipes-redis", dir: "spin-recipes__4", stack: "redis",
	files:  []string{"docker-compose.yml"},
	reject: []string{"global-root-user", "volume-name"},
	warn:   []string{"nfs-volume-name", "stack-tags"},
}, {
	name: "spin-flask-demo-1", dir: "spin-flask-demo__1", stack: "spin-flask-demo",
	files:  []string{"docker-compose.yml.example1"},
	reject: []string{"global-root-user"},
	warn:   []string{"image-latest", "stack-tags"},
}, {
	name: "spin-flask-demo-2", dir: "spin-flask-demo__2", stack: "spin-flask-demo",
	files:  []string{"docker-compose.yml.example2"},
	reject: []string{"global-root-user"},
	warn:   []string{"image-latest", "secret-name", "stack-tags"},
}, {
	name: "spin-flask-demo-3", dir: "spin-flask-demo__3", stack: "spin-flask-demo",
	files:  []string{"docker-compose.yml.example3"},
	reject: []string{"global-root-user", "volume-name"},
	warn:   []string{"image-latest", "nfs-volume-name", "secret-name", "stack-tags"},
}, {
	// Ran in prod-cattle; a strict audit flags web-redirect (no cap_drop)
	// and kv's Docker Hub user image.
	name: "openmsi", dir: "openmsi__1", stack: "openmsi-nersc",
	files:  []string{"docker-compose.yml"},
	reject: []string{"cap-drop-all"},
	warn:   []string{"image-official", "stack-tags"},
}, {
	name: "jupyterhub-v1", dir: "jupyterhub-deploy__1", stack: "jupyter-dev",
	files:  []string{"docker-compose.yml"},
	reject: []string{"cap-drop-all", "port-not-allowed"},
	warn:   []string{"image-latest", "service-name", "stack-tags"},
}, {
	// The deploy script's file set; .env.rancher is made at deploy time.
	name: "onpremise-deploy", dir: "onpremise__1", stack: "onpremise",
	files:    []string{"docker-compose.yml", "docker-compose.rancher.yml"},
	envFiles: []string{".env.example"},
	loadErr:  ".env.rancher does not exist",
}, {
	name: "onpremise-deploy-generated-env", dir: "onpremise__1", stack: "onpremise",
	files:    []string{"docker-compose.yml", "docker-compose.rancher.yml"},
	envFiles: []string{".env.example"},
	extra:    map[string]string{".env.rancher": ""},
	reject: []string{"agent-role", "cap-drop-all", "host-bind", "load-balancer",
		"port-not-allowed"},
	warn: []string{"host-affinity", "image-official", "restart", "secret-name",
		"service-name", "stack-tags"},
}, {
	name: "onpremise-base-file", dir: "onpremise__1", stack: "onpremise",
	files:    []string{"docker-compose.yml"},
	envFiles: []string{".env.example"},
	reject:   []string{"cap-drop-all"},
	warn: []string{"image-latest", "image-official", "restart", "service-name",
		"stack-tags"},
}, {
	// Go template text is not YAML until the Rancher CLI renders it.
	name: "neo4j-as-is", dir: "neo4j-cluster-rancher__1", stack: "neo4j-cluster-rancher",
	files:   []string{"docker-compose.yml"},
	loadErr: "Go template text",
}, {
	name: "neo4j-rendered", dir: "neo4j-cluster-rancher__1", stack: "neo4j-cluster-rancher",
	files:   []string{"docker-compose.yml"},
	replace: map[string]string{"{{ .Stack.Name }}": "neo4j-cluster-rancher"},
	reject: []string{"agent-role", "cap-drop-all", "host-bind", "load-balancer",
		"port-not-allowed", "privileged"},
	warn: []string{"image-official", "service-name", "stack-tags"},
}, {
	name: "docker4drupal-sidekicks", dir: "docker4drupal__1", stack: "docker4drupal",
	files:  []string{"docker-compose.yml"},
	reject: []string{"cap-drop-all", "port-not-allowed"},
	warn:   []string{"image-latest", "image-official", "service-name", "stack-tags"},
}, {
	name: "ha-ourjson-legacy-lb", dir: "ha-ourjson__1", stack: "ha-ourjson",
	files:  []string{"docker-compose.yml"},
	reject: []string{"cap-drop-all", "global-scheduling", "load-balancer", "port-not-allowed"},
	warn:   []string{"image-official", "restart", "service-name", "stack-tags"},
}, {
	name: "sa-api-gateway-build", dir: "sa_api_gateway__1", stack: "sa_api_gateway",
	files:  []string{"docker-compose.yml"},
	reject: []string{"build", "cap-drop-all", "image-registry", "port-not-allowed"},
	warn:   []string{"service-name", "stack-tags"},
}, {
	name: "consulcluster-host-net", dir: "consulcluster__1", stack: "setup2",
	files:  []string{"docker-compose-consul.yml"},
	reject: []string{"cap-drop-all", "global-scheduling", "host-network", "port-not-allowed"},
	warn:   []string{"host-affinity", "image-official", "service-name", "stack-tags"},
}}

func TestAuditCorpusVerdicts(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		corpustest.Missing(t, corpusDir, err)
	}
	covered := map[string]bool{}
	for _, c := range corpusCases {
		covered[c.dir] = true
	}
	for _, e := range entries {
		if e.IsDir() && !covered[e.Name()] {
			t.Errorf("corpus entry %s has no row in corpusCases", e.Name())
		}
	}

	for _, c := range corpusCases {
		t.Run(c.name, func(t *testing.T) {
			p, err := loadCorpus(t, c)
			if c.loadErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.loadErr) {
					t.Fatalf("load error = %v, want one containing %q", err, c.loadErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			fs := CheckProject(Config{}, p)
			if got := rulesAt(fs, Reject); !slices.Equal(got, c.reject) {
				t.Errorf("rejected by %v, want %v", got, c.reject)
			}
			if got := rulesAt(fs, Warn); !slices.Equal(got, c.warn) {
				t.Errorf("warned by %v, want %v", got, c.warn)
			}
			if Rejected(fs) != (len(c.reject) > 0) {
				t.Errorf("Rejected = %v", Rejected(fs))
			}
			for _, f := range fs {
				if f.Service != "" && !strings.Contains(f.Message, `"`+f.Service+`"`) {
					t.Errorf("%s: message %q does not name service %q", f.Rule, f.Message,
						f.Service)
				}
			}
		})
	}
}

// loadCorpus loads an entry in place, or a copy when the case edits it.
func loadCorpus(t testing.TB, c corpusCase) (*compose.Project, error) {
	t.Helper()
	return compose.Load(context.Background(), corpusOptions(t, c))
}

func corpusOptions(t testing.TB, c corpusCase) compose.Options {
	t.Helper()
	dir := filepath.Join(corpusDir, c.dir)
	if c.replace != nil || c.extra != nil {
		dir = corpusCopy(t, dir, c.replace, c.extra)
	}
	opts := compose.Options{ProjectName: c.stack, Environ: map[string]string{}}
	for _, f := range c.files {
		opts.Files = append(opts.Files, filepath.Join(dir, f))
	}
	for _, f := range c.envFiles {
		opts.EnvFiles = append(opts.EnvFiles, filepath.Join(dir, f))
	}
	return opts
}

// corpusCopy copies the files of an entry to a temp dir, applying replace
// to each and adding extra.
func corpusCopy(t testing.TB, src string, replace, extra map[string]string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for old, repl := range replace {
			text = strings.ReplaceAll(text, old, repl)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range extra {
		if err := os.WriteFile(filepath.Join(dst, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// rulesAt lists the rule ids with findings at level, sorted and unique.
func rulesAt(fs []Finding, level Level) []string {
	var out []string
	for _, f := range fs {
		if f.Level == level && !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	slices.Sort(out)
	return out
}
