package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// watchRig is a deployed project, its watcher and the watcher's output.
type watchRig struct {
	t    *testing.T
	d    *apitest.Daemon
	dir  string
	file string
	out  *apitest.Buffer
	mark int // output before this offset has been checked
}

// newWatchRig deploys the compose text into a new project folder named stack, made with
// the sub-folders dirs.
func newWatchRig(t *testing.T, d *apitest.Daemon, stack, text string,
	dirs ...string) *watchRig {
	t.Helper()
	requireImages(t, d, apitest.Image())
	dir := filepath.Join(t.TempDir(), stack)
	for _, sub := range append(dirs, ".") {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := &watchRig{t: t, d: d, dir: dir, file: filepath.Join(dir, "docker-compose.yml"),
		out: &apitest.Buffer{}}
	r.save(text)
	p, err := compose.Load(t.Context(), r.options())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.Deploy(t.Context(), p, &strings.Builder{}); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return r
}

func (r *watchRig) options() compose.Options {
	return compose.Options{Files: []string{r.file}}
}

// start runs w (a default watcher when nil) until the test ends.
func (r *watchRig) start(w *watcher) {
	if w == nil {
		w = &watcher{}
	}
	w.cl, w.load, w.out = r.d.Client, r.options(), r.out
	ctx, cancel := context.WithCancel(r.t.Context())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("watcher: %v", err)
		}
		r.t.Logf("watcher output:\n%s", r.out.String())
	})
	r.expect("reload: watching")
}

// save writes the compose file in place.
func (r *watchRig) save(text string) {
	r.t.Helper()
	if err := os.WriteFile(r.file, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// replace saves the compose file as many editors do: a new file renamed over the old.
func (r *watchRig) replace(text string) {
	r.t.Helper()
	tmp := filepath.Join(r.dir, ".docker-compose.yml.tmp")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Rename(tmp, r.file); err != nil {
		r.t.Fatal(err)
	}
}

// expect waits for new output lines matching each pattern (regular expressions), and
// marks the output up to the end of the last matching line as checked.
func (r *watchRig) expect(patterns ...string) {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		text := r.out.String()[r.mark:]
		end, missing := 0, ""
		for _, p := range patterns {
			loc := regexp.MustCompile("(?m)" + p).FindStringIndex(text)
			if loc == nil {
				missing = p
				break
			}
			lineEnd := loc[1]
			if nl := strings.IndexByte(text[lineEnd:], '\n'); nl >= 0 {
				lineEnd += nl + 1
			}
			end = max(end, lineEnd)
		}
		if missing == "" {
			r.mark += end
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no output line matching %q; new output:\n%s", missing, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quiet fails when the watcher prints anything within d.
func (r *watchRig) quiet(d time.Duration) {
	r.t.Helper()
	time.Sleep(d)
	if text := r.out.String()[r.mark:]; text != "" {
		r.t.Fatalf("unexpected output:\n%s", text)
	}
}

// containers returns the ids of the running containers of a service, with how often
// each was started.
func (r *watchRig) containers(service string) map[string]int {
	r.t.Helper()
	svc, err := r.d.Client.FindByName(r.t.Context(), "services", service, nil)
	if err != nil || svc == nil {
		r.t.Fatalf("service %s: %v", service, err)
	}
	items, err := r.d.Client.List(r.t.Context(), "services/"+svc.Str("id")+"/instances",
		nil)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range items {
		if c.Str("state") == "running" {
			n, _ := c["startCount"].(float64)
			out[c.Str("id")] = int(n)
		}
	}
	return out
}

func TestWatchReloadsTheStackOnSave(t *testing.T) {
	d := apitest.StartClean(t)
	img := apitest.Image()
	r := newWatchRig(t, d, "saves", fmt.Sprintf(apitest.LinkedPair, img, "hello"))
	r.start(nil)
	db := r.containers("db")

	r.save(fmt.Sprintf(apitest.LinkedPair, img, "bonjour"))
	r.expect(`^reload: db unchanged$`, `^reload: web upgraded \(environment\)$`)
	web := r.containers("web")

	replaced := strings.Replace(fmt.Sprintf(apitest.LinkedPair, img, "bonjour"), "sleep 600",
		"sleep 700", 1)
	r.replace(replaced)
	r.expect(`^reload: web upgraded \(command\)$`)
	if now := r.containers("web"); fmt.Sprint(now) == fmt.Sprint(web) {
		t.Errorf("web still runs %v after the atomic save", now)
	}
	web = r.containers("web")

	broken := strings.Replace(replaced, "    environment:", "    environment: [unclosed", 1)
	r.save(broken)
	r.expect(`^reload: .*docker-compose.yml:\d+: .*; the stack keeps running$`)
	if now := r.containers("web"); fmt.Sprint(now) != fmt.Sprint(web) {
		t.Errorf("a bad save changed web from %v to %v", web, now)
	}

	worker := "  worker:\n    image: " + img + "\n    command: " + apitest.IdleCommand + "\n"
	r.save(replaced + worker)
	r.expect(`^reload: worker created$`)
	r.save(replaced)
	r.expect(`^reload: worker removed$`)
	if now := r.containers("db"); fmt.Sprint(now) != fmt.Sprint(db) {
		t.Errorf("db changed from %v to %v though its config did not", db, now)
	}

	if err := os.Remove(r.file); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: .*docker-compose.yml was deleted; the stack keeps running as it was`)
	r.save(fmt.Sprintf(apitest.LinkedPair, img, "hallo"))
	r.expect(`^reload: web upgraded \(command, environment\)$`)

	away := r.dir + "-away"
	if err := os.Rename(r.dir, away); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: folder .* vanished; the stack keeps running as it was`)
	if err := os.Rename(away, r.dir); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: folder .* is back$`, `^reload: web unchanged$`)
	r.save(fmt.Sprintf(apitest.LinkedPair, img, "hej"))
	r.expect(`^reload: web upgraded \(environment\)$`)
}

func TestWatchSourcesRestartsTheServicesThatMountThem(t *testing.T) {
	d := apitest.StartClean(t)
	img := apitest.Image()
	mount := "    volumes:\n      - ./src:/src\n"
	text := strings.Replace(fmt.Sprintf(apitest.LinkedPair, img, "hello"), "    links:",
		mount+"    links:", 1)
	r := newWatchRig(t, d, "sources", text, "src")
	r.start(&watcher{sources: true})
	web, db := r.containers("web"), r.containers("db")

	src := filepath.Join(r.dir, "src")
	if err := os.WriteFile(filepath.Join(src, ".app.py.swp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.quiet(time.Second)

	if err := os.WriteFile(filepath.Join(src, "app.py"), []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: web restarted \(src/app.py changed\)$`)
	for id, n := range r.containers("web") {
		if n <= web[id] {
			t.Errorf("web container %s started %d times, before %d", id, n, web[id])
		}
	}
	if now := r.containers("db"); fmt.Sprint(now) != fmt.Sprint(db) {
		t.Errorf("db went from %v to %v", db, now)
	}

	// A folder made later is watched too.
	if err := os.MkdirAll(filepath.Join(src, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: web restarted \(src/pkg changed\)$`)
	if err := os.WriteFile(filepath.Join(src, "pkg", "m.py"), []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.expect(`^reload: web restarted \(src/pkg/m.py changed\)$`)
}

func TestWatchPointsAnAuditRefusalAtItsLine(t *testing.T) {
	policy := apitest.AuditOff()
	policy.Levels["privileged"] = audit.Reject
	d := apitest.StartCleanPolicy(t, policy)
	img := apitest.Image()
	r := newWatchRig(t, d, "audited", fmt.Sprintf(apitest.LinkedPair, img, "hello"))
	r.start(nil)
	web := r.containers("web")

	bad := strings.Replace(fmt.Sprintf(apitest.LinkedPair, img, "hello"), "    links:",
		"    privileged: true\n    links:", 1)
	r.save(bad)
	line := slices.Index(strings.Split(bad, "\n"), "    privileged: true") + 1
	r.expect(fmt.Sprintf(`^reload: .*docker-compose.yml:%d: service "web": privileged: `+
		`.*\(refused by the Spin audit\); the stack keeps running$`, line))
	if now := r.containers("web"); fmt.Sprint(now) != fmt.Sprint(web) {
		t.Errorf("a refused save changed web from %v to %v", web, now)
	}
	r.save(fmt.Sprintf(apitest.LinkedPair, img, "bonjour"))
	r.expect(`^reload: web upgraded \(environment\)$`)
}

func TestUpInTheForegroundReloadsOnSave(t *testing.T) {
	d := apitest.StartClean(t)
	img := apitest.Image()
	requireImages(t, d, img)
	dir := filepath.Join(t.TempDir(), "fg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &watchRig{t: t, d: d, dir: dir, file: filepath.Join(dir, "docker-compose.yml"),
		out: &apitest.Buffer{}}
	r.save(fmt.Sprintf(apitest.LinkedPair, img, "hello"))

	app := newApp()
	app.Writer, app.ErrWriter = r.out, r.out
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- app.RunContext(ctx, []string{"spinlocal", "up", "-f", r.file, "--url",
			d.Server.URL, "--state-dir", d.StateDir})
	}()
	r.expect(`^reload: watching \d+ files of stack fg`)
	r.save(fmt.Sprintf(apitest.LinkedPair, img, "bonjour"))
	r.expect(`^reload: web upgraded \(environment\)$`)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("up: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("up did not return after its context ended")
	}
}

func TestWatchFilesOfAProject(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"docker-compose.yml": "version: '2'\nservices:\n  web:\n    image: x:1\n" +
			"    env_file: conf/web.env\n    volumes:\n      - ./src:/src\n" +
			"      - /tmp:/host\n    secrets:\n      - token\n" +
			"secrets:\n  token:\n    file: ./token.txt\n",
		"rancher-compose.yml": "version: '2'\nservices:\n  web:\n    scale: 1\n",
		"conf/web.env":        "A=1\n",
		"token.txt":           "s3cret\n",
		"src/app.py":          "print(1)\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := compose.Options{Files: []string{filepath.Join(dir, "docker-compose.yml")}}
	p, err := compose.Load(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	wf := filesOf(p, opts)
	for _, f := range []string{"docker-compose.yml", "rancher-compose.yml", ".env",
		"conf/web.env"} {
		if !wf.configs[filepath.Join(dir, f)] {
			t.Errorf("configs miss %s: %v", f, wf.configs)
		}
	}
	wantDefining := []string{filepath.Join(dir, "docker-compose.yml"),
		filepath.Join(dir, "rancher-compose.yml")}
	if !slices.Equal(wf.defining, wantDefining) {
		t.Errorf("defining = %v, want %v", wf.defining, wantDefining)
	}
	if wf.secrets[filepath.Join(dir, "token.txt")] != "token" {
		t.Errorf("secrets = %v", wf.secrets)
	}
	wantSources := map[string][]string{filepath.Join(dir, "src"): {"web"}}
	if fmt.Sprint(wf.sources) != fmt.Sprint(wantSources) {
		t.Errorf("sources = %v, want %v", wf.sources, wantSources)
	}
}

func TestWatchLoadMessageNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "docker-compose.yml")
	text := "version: '2'\nservices:\n  web:\n    image: x:1\n    command: 5\n"
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := compose.Load(t.Context(), compose.Options{Files: []string{f}})
	if err == nil {
		t.Fatal("a bad file loaded")
	}
	got := loadMessage(err)
	if !strings.HasPrefix(got, f+":5: services.web.command: ") {
		t.Errorf("loadMessage = %q, want %s:5: services.web.command: ...", got, f)
	}
	if got := loadMessage(fmt.Errorf("plain")); got != "plain" {
		t.Errorf("loadMessage(plain) = %q", got)
	}
}

func TestWatchSkipsEditorAndRuntimeFiles(t *testing.T) {
	cases := map[string]bool{".git": true, ".app.py.swp": true, "app.py~": true,
		"4913": true, "__pycache__": true, "m.cpython-312.pyc": true, "node_modules": true,
		"app.py": false, "index.html": false, "pkg": false}
	for name, want := range cases {
		if got := skipName(name); got != want {
			t.Errorf("skipName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWatchRefusalMessageLeavesOtherErrorsAlone(t *testing.T) {
	err := &client.ServiceError{Service: "web", Err: fmt.Errorf("upgrade: %w",
		&client.Error{Status: 422, Message: "bad"})}
	if got := refusalMessage(&compose.Project{}, err); got != err.Error() {
		t.Errorf("refusalMessage = %q, want %q", got, err.Error())
	}
}

// BenchmarkReloadLatency measures hot reload: from saving an edit of the compose file to
// the replacement container running. It reports the median of 20 edits (BENCH_EDITS
// overrides) against the median of Docker's own stop, rm, create and start of the same
// container; reload-ratio is the first over the second. The count of runs is fixed, so
// b.N is not used.
func BenchmarkReloadLatency(b *testing.B) {
	edits := 20
	if n, err := strconv.Atoi(os.Getenv("BENCH_EDITS")); err == nil && n > 0 {
		edits = n
	}
	bd := newBenchDaemon(b)
	dir := filepath.Join(b.TempDir(), "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "docker-compose.yml")
	one := "version: '2'\nservices:\n  web:\n    image: " + apitest.Image() +
		"\n    command: " + apitest.IdleCommand + "\n    environment:\n      EDIT: '%d'\n"
	write := func(i int) {
		if err := os.WriteFile(file, fmt.Appendf(nil, one, i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write(0)
	opts := compose.Options{Files: []string{file}}
	p, err := compose.Load(b.Context(), opts)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bd.cl.Deploy(b.Context(), p, &strings.Builder{}); err != nil {
		b.Fatalf("deploy: %v", err)
	}
	out := &apitest.Buffer{}
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan error, 1)
	go func() { done <- watchProject(ctx, bd.cl, opts, out) }()
	defer func() { cancel(); <-done }()
	waitOutput(b, out, "reload: watching", 1)

	b.ResetTimer()
	var reloads, dockers []time.Duration
	for i := 1; i <= edits; i++ {
		reloads = append(reloads, bd.timeEdit(b, func() { write(i) }))
		waitOutput(b, out, "reload: web upgraded", i)
	}
	lc := p.Services[0].LaunchConfig
	for range edits {
		dockers = append(dockers, bd.timeDockerCycle(b, lc))
	}
	b.StopTimer()
	r, d := median(reloads), median(dockers)
	b.ReportMetric(float64(r.Milliseconds()), "reload-p50-ms")
	b.ReportMetric(float64(d.Milliseconds()), "docker-p50-ms")
	b.ReportMetric(float64(r)/float64(d), "reload-ratio")
}

// benchDaemon is a daemon for a benchmark, which apitest (made for tests) cannot start.
type benchDaemon struct {
	cl     *client.Client
	eng    *engine.Docker
	own    map[string]string // labels of the daemon's containers
	net    string            // Docker network of the baseline containers
	old    string            // the running baseline container
	labels map[string]string // labels of the baseline containers
}

func newBenchDaemon(b *testing.B) *benchDaemon {
	b.Helper()
	if testing.Short() {
		b.Skip("needs Docker (skipped with -short)")
	}
	eng, err := engine.NewDocker(b.Context(), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Skipf("no Docker engine: %v", err)
	}
	if !eng.HasImage(b.Context(), apitest.Image()) {
		b.Skipf("image %s missing: run scripts/build-images.sh", apitest.Image())
	}
	log := slog.New(slog.DiscardHandler)
	prefix := fmt.Sprintf("slbench-%d", time.Now().UnixNano()%1e9)
	emu, err := emulator.Open(emulator.Config{StateDir: b.TempDir(), Engine: eng,
		Logger: log, NetworkPrefix: prefix, Policy: apitest.AuditOff()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(b.Context())
	ran := make(chan struct{})
	go func() { defer close(ran); emu.Run(ctx) }()
	srv := httptest.NewServer(fakeapi.New(emu, log))
	access, secret, err := emu.CreateKey("elvis")
	if err != nil {
		b.Fatal(err)
	}
	bd := &benchDaemon{cl: client.New(srv.URL, access, secret), eng: eng,
		own: map[string]string{engine.LabelDaemon: emu.DaemonID()}, net: prefix + "-base",
		labels: map[string]string{engine.LabelDaemon: emu.DaemonID() + "-base"}}
	bd.cl.Project = emulator.DefaultProjectID
	b.Cleanup(func() {
		srv.Close()
		stop()
		<-ran
		emu.Close()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(b.Context()), time.Minute)
		defer cancel()
		for _, match := range []map[string]string{bd.own, bd.labels} {
			list, _ := eng.List(ctx, match)
			for _, c := range list {
				_ = eng.Remove(ctx, c.ID)
			}
			_ = eng.RemoveNetworks(ctx, match)
		}
	})
	return bd
}

// timeEdit runs edit and returns how long it took until a new container of the daemon
// was running, as Docker's events tell.
func (bd *benchDaemon) timeEdit(b *testing.B, edit func()) time.Duration {
	b.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
	defer cancel()
	before, err := bd.eng.List(ctx, bd.own)
	if err != nil {
		b.Fatal(err)
	}
	known := map[string]bool{}
	for _, c := range before {
		known[c.ID] = true
	}
	events := bd.eng.Watch(ctx, bd.own)
	time.Sleep(50 * time.Millisecond) // let the event stream open
	start := time.Now()
	edit()
	for {
		select {
		case id := <-events:
			at := time.Since(start)
			if known[id] {
				continue
			}
			st, err := bd.eng.Inspect(ctx, id)
			if err == nil && st.Running {
				return at
			}
		case <-ctx.Done():
			b.Fatal("no new container within a minute of the edit")
		}
	}
}

// timeDockerCycle replaces the baseline container the plain Docker way, without the
// daemon: stop, remove, create and start.
func (bd *benchDaemon) timeDockerCycle(b *testing.B, lc map[string]any) time.Duration {
	b.Helper()
	ctx := b.Context()
	spec := engine.Spec{Name: fmt.Sprintf("%s-%d", bd.net, time.Now().UnixNano()),
		Network: bd.net, Labels: bd.labels, LaunchConfig: lc}
	if bd.old == "" {
		if _, err := bd.eng.EnsureNetwork(ctx, bd.net, bd.labels); err != nil {
			b.Fatal(err)
		}
		st, err := bd.eng.Create(ctx, spec)
		if err == nil {
			err = bd.eng.Start(ctx, st.ID)
		}
		if err != nil {
			b.Fatal(err)
		}
		bd.old = st.ID
		spec.Name += "-next"
	}
	start := time.Now()
	if err := bd.eng.Stop(ctx, bd.old, 0); err != nil {
		b.Fatal(err)
	}
	if err := bd.eng.Remove(ctx, bd.old); err != nil {
		b.Fatal(err)
	}
	st, err := bd.eng.Create(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	if err := bd.eng.Start(ctx, st.ID); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	bd.old = st.ID
	return took
}

// waitOutput waits until out holds n lines starting with prefix.
func waitOutput(b *testing.B, out *apitest.Buffer, prefix string, n int) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		count := 0
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				count++
			}
		}
		if count >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("no %d lines %q within a minute; output:\n%s", n, prefix, out.String())
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
