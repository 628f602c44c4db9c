package compose

import (
	"context"
	"github.com/spinlocal/spinlocal/emulator/compose/corpustest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusDir holds real Spin and Rancher 1.x compose files (see its
// SOURCES.md). Tests read them in place and never copy them.
const corpusDir = "../../../shared/corpus/compose"

// corpusCase is the outcome expected for one corpus entry, worked out from
// SOURCES.md and the files by hand.
type corpusCase struct {
	name     string   // row name
	dir      string   // corpus entry
	files    []string // compose files, in -f order
	envFiles []string
	rancher  bool     // rancher-compose.yml sits beside and must be read
	services []string // primaries in dependency order, when it loads
	err      []string // substrings of the error, when it must fail
}

var corpusCases = []corpusCase{{
	name: "consulcluster", dir: "consulcluster__1",
	files:    []string{"docker-compose-consul.yml"},
	services: []string{"consul1", "consul2", "consul3", "consulagent"},
}, {
	name: "docker4drupal-sidekicks", dir: "docker4drupal__1", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"mailhog", "mariadb", "php"},
}, {
	name: "ha-ourjson-legacy-lb", dir: "ha-ourjson__1", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"ourjson", "api"},
}, {
	name: "jupyterhub-v1", dir: "jupyterhub-deploy__1",
	files:    []string{"docker-compose.yml"},
	services: []string{"jupyterdev"},
}, {
	// Go template text in a plain compose file is not YAML.
	name: "neo4j-go-template", dir: "neo4j-cluster-rancher__1",
	files: []string{"docker-compose.yml"},
	err:   []string{"docker-compose.yml: line 17:", "Go template text"},
}, {
	// The deploy as its script runs it; .env.rancher is generated at
	// deploy time and was never committed.
	name: "onpremise-deploy", dir: "onpremise__1",
	files:    []string{"docker-compose.yml", "docker-compose.rancher.yml"},
	envFiles: []string{".env.example"},
	err: []string{"docker-compose.rancher.yml: line 60: services.web.env_file:",
		".env.rancher does not exist"},
}, {
	name: "onpremise-base-file", dir: "onpremise__1", rancher: true,
	files:    []string{"docker-compose.yml"},
	envFiles: []string{".env.example"},
	services: []string{"memcached", "postgres", "redis", "cron", "web", "worker"},
}, {
	name: "openmsi", dir: "openmsi__1", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"app", "kv", "web", "web-redirect"},
}, {
	name: "sa-api-gateway-build", dir: "sa_api_gateway__1", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"sa_apigateway_ms"},
}, {
	name: "spin-flask-demo-1", dir: "spin-flask-demo__1",
	files:    []string{"docker-compose.yml.example1"},
	services: []string{"app", "db", "web"},
}, {
	name: "spin-flask-demo-2-secret-file", dir: "spin-flask-demo__2",
	files:    []string{"docker-compose.yml.example2"},
	services: []string{"app", "db", "web"},
}, {
	name: "spin-flask-demo-3-nfs", dir: "spin-flask-demo__3",
	files:    []string{"docker-compose.yml.example3"},
	services: []string{"app", "db", "web"},
}, {
	name: "spin-recipes-mysql", dir: "spin-recipes__1", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"db", "db-dump"},
}, {
	name: "spin-recipes-lets-proxy", dir: "spin-recipes__2",
	files:    []string{"docker-compose.yml"},
	services: []string{"web-app", "web-lets"},
}, {
	name: "spin-recipes-nginx-rootless", dir: "spin-recipes__3", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"web"},
}, {
	name: "spin-recipes-redis", dir: "spin-recipes__4", rancher: true,
	files:    []string{"docker-compose.yml"},
	services: []string{"kv", "kv-dump"},
}}

func TestCorpus(t *testing.T) {
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
			dir := filepath.Join(corpusDir, c.dir)
			opts := Options{Environ: map[string]string{}}
			for _, f := range c.files {
				opts.Files = append(opts.Files, filepath.Join(dir, f))
			}
			for _, f := range c.envFiles {
				opts.EnvFiles = append(opts.EnvFiles, filepath.Join(dir, f))
			}
			p, err := Load(context.Background(), opts)
			if c.err != nil {
				if err == nil {
					t.Fatalf("Load succeeded with %v, want an error", serviceNames(p))
				}
				for _, want := range c.err {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := serviceNames(p); !reflect.DeepEqual(got, c.services) {
				t.Errorf("services = %v, want %v", got, c.services)
			}
			rancherFile, _ := filepath.Abs(filepath.Join(dir, "rancher-compose.yml"))
			read := false
			for _, f := range p.Files {
				read = read || f == rancherFile
			}
			if read != c.rancher {
				t.Errorf("rancher-compose.yml read = %v, want %v (files %v)",
					read, c.rancher, p.Files)
			}
		})
	}
}

// A few corpus details that exercise the Rancher-specific paths.
func TestCorpusDetails(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		corpustest.Missing(t, corpusDir, err)
	}
	load := func(t *testing.T, entry string, files ...string) *Project {
		t.Helper()
		var paths []string
		for _, f := range files {
			paths = append(paths, filepath.Join(corpusDir, entry, f))
		}
		p, err := Load(context.Background(), Options{Files: paths,
			Environ: map[string]string{}})
		if err != nil {
			t.Fatalf("Load %s: %v", entry, err)
		}
		return p
	}

	t.Run("recipes-mysql", func(t *testing.T) {
		p := load(t, "spin-recipes__1", "docker-compose.yml")
		wantJSON(t, "volume", p.Volumes["db.MySQL"], `{"Name": "db.MySQL",
			"Driver": "rancher-nfs", "DriverOpts": null, "External": true,
			"PerContainer": false}`)
		dump := service(t, p, "db-dump")
		if dump.StartOnCreate == nil || *dump.StartOnCreate {
			t.Errorf("db-dump StartOnCreate = %v, want false", dump.StartOnCreate)
		}
		wantJSON(t, "db-dump secrets", dump.LaunchConfig["secrets"], `[{
			"source": "db.MySQL.mysql_root_password", "target": "mysql_root_password",
			"uid": "UserID", "gid": "GroupID", "mode": "400"}]`)
		wantJSON(t, "db health", service(t, p, "db").LaunchConfig["healthCheck"], `{
			"healthyThreshold": 2, "responseTimeout": 2000, "port": 3306,
			"unhealthyThreshold": 3, "initializingTimeout": 60000, "interval": 2000,
			"strategy": "recreate", "reinitializingTimeout": 60000}`)
	})
	t.Run("consul-net-host", func(t *testing.T) {
		p := load(t, "consulcluster__1", "docker-compose-consul.yml")
		agent := service(t, p, "consulagent")
		if agent.LaunchConfig["networkMode"] != "host" {
			t.Errorf("networkMode = %v, want host", agent.LaunchConfig["networkMode"])
		}
		wantJSON(t, "links", agent.Links,
			`[{"Target": "consul1", "Alias": "", "External": false}]`)
	})
	t.Run("flask-retain-ip", func(t *testing.T) {
		p := load(t, "spin-flask-demo__1", "docker-compose.yml.example1")
		if !service(t, p, "app").RetainIP || service(t, p, "web").RetainIP {
			t.Error("retain_ip should be set on app only")
		}
	})
}
