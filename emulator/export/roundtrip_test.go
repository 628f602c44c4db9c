package export

import (
	"context"
	"github.com/spinlocal/spinlocal/emulator/compose/corpustest"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// corpusDir holds real Spin and Rancher 1.x compose projects (see its SOURCES.md); they
// are read in place.
const corpusDir = "../../../shared/corpus/compose"

// corpusEntry says how one corpus project loads: its compose files and env files.
type corpusEntry struct {
	dir      string
	files    []string
	envFiles []string
}

// loadable are the corpus entries compose.Load accepts (emulator/compose/corpus_test.go).
var loadable = []corpusEntry{
	{dir: "consulcluster__1", files: []string{"docker-compose-consul.yml"}},
	{dir: "docker4drupal__1", files: []string{"docker-compose.yml"}},
	{dir: "ha-ourjson__1", files: []string{"docker-compose.yml"}},
	{dir: "jupyterhub-deploy__1", files: []string{"docker-compose.yml"}},
	{dir: "onpremise__1", files: []string{"docker-compose.yml"},
		envFiles: []string{".env.example"}},
	{dir: "openmsi__1", files: []string{"docker-compose.yml"}},
	{dir: "sa_api_gateway__1", files: []string{"docker-compose.yml"}},
	{dir: "spin-flask-demo__1", files: []string{"docker-compose.yml.example1"}},
	{dir: "spin-flask-demo__2", files: []string{"docker-compose.yml.example2"}},
	{dir: "spin-flask-demo__3", files: []string{"docker-compose.yml.example3"}},
	{dir: "spin-recipes__1", files: []string{"docker-compose.yml"}},
	{dir: "spin-recipes__2", files: []string{"docker-compose.yml"}},
	{dir: "spin-recipes__3", files: []string{"docker-compose.yml"}},
	{dir: "spin-recipes__4", files: []string{"docker-compose.yml"}},
}

// unloadable are the entries that do not load, and why.
var unloadable = map[string]string{
	"neo4j-cluster-rancher__1": "Go template text is not YAML",
}

// Every corpus project that loads comes back from its export with the same services.
func TestRoundTripCorpus(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		corpustest.Missing(t, corpusDir, err)
	}
	listed := map[string]bool{}
	for _, e := range loadable {
		listed[e.dir] = true
	}
	for _, e := range entries {
		if e.IsDir() && !listed[e.Name()] && unloadable[e.Name()] == "" {
			t.Errorf("corpus entry %s is in neither loadable nor unloadable", e.Name())
		}
	}
	for _, e := range loadable {
		t.Run(e.dir, func(t *testing.T) {
			dir := filepath.Join(corpusDir, e.dir)
			opts := compose.Options{Environ: map[string]string{}}
			for _, f := range e.files {
				opts.Files = append(opts.Files, filepath.Join(dir, f))
			}
			for _, f := range e.envFiles {
				opts.EnvFiles = append(opts.EnvFiles, filepath.Join(dir, f))
			}
			roundTrip(t, opts)
		})
	}
}

// A project that uses every key the export renders.
func TestRoundTripEverything(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "everything"))
	if err != nil {
		t.Fatal(err)
	}
	p := roundTrip(t, compose.Options{WorkingDir: dir, ProjectName: "app",
		Environ: map[string]string{}})
	// Make sure the project exercised what it is meant to.
	var web compose.Service
	for _, s := range p.Services {
		if s.Name == "web" {
			web = s
		}
	}
	for _, k := range []string{"tmpfs", "ulimits", "blkioDeviceOptions", "secrets",
		"restartPolicy", "stopTimeout", "devices", "dataVolumesFromLaunchConfigs"} {
		if empty(web.LaunchConfig[k]) {
			t.Errorf("web has no %s: the test project lost its coverage", k)
		}
	}
	if len(web.SecondaryLaunchConfigs) != 2 || len(web.Links) != 3 {
		t.Errorf("web has %d sidekicks and %d links, want 2 and 3",
			len(web.SecondaryLaunchConfigs), len(web.Links))
	}
}

// roundTrip loads a project, exports it, loads the export and compares the two.
func roundTrip(t *testing.T, opts compose.Options) *compose.Project {
	t.Helper()
	ctx := context.Background()
	p, err := compose.Load(ctx, opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	services, lookup := inputs(p)
	dc, rc, err := Stack(p.Name, services, lookup)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"docker-compose.yml": dc,
		"rancher-compose.yml": rc} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	q, err := compose.Load(ctx, compose.Options{WorkingDir: dir, ProjectName: p.Name,
		Environ: map[string]string{}})
	if err != nil {
		t.Fatalf("load the export: %v\n%s\n%s", err, dc, rc)
	}
	got, want := summary(q), summary(p)
	for _, name := range slices.Sorted(maps.Keys(want)) {
		sameData(t, "service "+name, got[name], want[name])
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("the export added service %s", name)
		}
	}
	if t.Failed() {
		t.Logf("docker-compose.yml:\n%s\nrancher-compose.yml:\n%s", dc, rc)
	}
	return p
}

// inputs turns a loaded project into export input. A link target's id is its compose
// name ("db" or "otherstack/db"), which the lookup splits again.
func inputs(p *compose.Project) ([]Service, Lookup) {
	var out []Service
	for _, s := range p.Services {
		in := Service{Name: s.Name, Kind: s.Kind, Scale: s.Scale, LaunchConfig: s.LaunchConfig,
			Secondary: s.SecondaryLaunchConfigs, Metadata: s.Metadata, RetainIP: s.RetainIP,
			StartOnCreate: s.StartOnCreate, Extra: s.Fields}
		for _, l := range s.Links {
			in.Links = append(in.Links, Link{Alias: l.Alias, ServiceID: l.Target})
		}
		out = append(out, in)
	}
	lookup := func(id string) (string, string, bool) {
		if stack, name, ok := strings.Cut(id, "/"); ok {
			return stack, name, true
		}
		return p.Name, id, true
	}
	return out, lookup
}

// summary keeps what an export must preserve of each service, without the config hashes
// (the CLI recomputes them) and with aliases equal to the target's name dropped (the API
// stores such a link like one without an alias).
func summary(p *compose.Project) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range p.Services {
		var links []string
		for _, l := range s.Links {
			alias := l.Alias
			if _, name, ok := strings.Cut(l.Target, "/"); alias == l.Target ||
				(ok && alias == name) {
				alias = ""
			}
			links = append(links, l.Target+":"+alias)
		}
		sort.Strings(links)
		var side []any
		for _, lc := range s.SecondaryLaunchConfigs {
			side = append(side, withoutHash(lc))
		}
		meta := map[string]any{}
		for k, v := range s.Metadata {
			if k != hashLabel {
				meta[k] = v
			}
		}
		out[s.Name] = map[string]any{"kind": s.Kind, "scale": s.Scale,
			"launchConfig": withoutHash(s.LaunchConfig), "secondary": side,
			"metadata": meta, "links": links, "retainIp": s.RetainIP,
			"startOnCreate": s.StartOnCreate, "fields": s.Fields}
	}
	return out
}

// withoutHash copies a launch config without its hash label and version.
func withoutHash(lc map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range lc {
		out[k] = v
	}
	delete(out, "version")
	labels := map[string]any{}
	for k, v := range mapping(lc["labels"]) {
		if k != hashLabel {
			labels[k] = v
		}
	}
	out["labels"] = labels
	return out
}
