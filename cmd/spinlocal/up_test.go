package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// run runs the spinlocal app in-process and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &out
	err := app.RunContext(t.Context(), append([]string{"spinlocal"}, args...))
	return out.String(), err
}

func requireImages(t *testing.T, d *apitest.Daemon, images ...string) {
	t.Helper()
	for _, img := range images {
		if !d.Engine.HasImage(t.Context(), img) {
			if os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1" {
				t.Fatalf("image %s missing: run scripts/build-images.sh", img)
			}
			t.Skipf("image %s missing: run scripts/build-images.sh", img)
		}
	}
}

func TestUpDeploysTheFixtureAndDownRemovesIt(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, "spinlocal/flask-demo-web:1", "spinlocal/flask-demo-app:1",
		"spinlocal/flask-demo-db:1")
	port := apitest.FreePort(t)
	dir := apitest.FlaskDemo(t, port)
	common := []string{"--url", d.Server.URL, "--state-dir", d.StateDir}

	out, err := run(t, append([]string{"up", "-d", "-f",
		filepath.Join(dir, "docker-compose.yml")}, common...)...)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	endpoint := fmt.Sprintf("flask-demo/web: http://127.0.0.1:%d/", port)
	if !strings.Contains(out, endpoint) {
		t.Fatalf("up did not print %q:\n%s", endpoint, out)
	}
	// The page counts visits through nginx -> flask -> redis.
	counts := regexp.MustCompile(`viewed (\d+) times`)
	var seen []int
	apitest.Eventually(t, 30*time.Second, func() string {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			return err.Error()
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := counts.FindStringSubmatch(string(body))
		if m == nil {
			return apitest.Errf("page without a counter: %d %s", resp.StatusCode, body)
		}
		n, _ := strconv.Atoi(m[1])
		seen = append(seen, n)
		if len(seen) < 2 {
			return "need a second visit"
		}
		return ""
	})
	if seen[len(seen)-1] != seen[len(seen)-2]+1 {
		t.Errorf("counter did not go up by one: %v", seen)
	}

	// A second up finds everything in place and creates nothing.
	out, err = run(t, append([]string{"up", "-d", "-f",
		filepath.Join(dir, "docker-compose.yml")}, common...)...)
	if err != nil || strings.Contains(out, "Creating service") ||
		strings.Contains(out, "out of sync") {
		t.Fatalf("second up: %v\n%s", err, out)
	}

	out, err = run(t, append([]string{"down", "-s", "flask-demo"}, common...)...)
	if err != nil || !strings.Contains(out, "Removed stack flask-demo") {
		t.Fatalf("down: %v\n%s", err, out)
	}
	list, err := d.Engine.List(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID()})
	if err != nil || len(list) != 0 {
		t.Fatalf("containers left after down: %v %v", list, err)
	}
}

func TestUpRefusesBadComposeAndCreatesNothing(t *testing.T) {
	d := apitest.StartClean(t)
	common := []string{"--url", d.Server.URL, "--state-dir", d.StateDir, "-d"}
	cases := map[string]struct {
		compose string
		want    []string
	}{
		"unknown top-level key": {
			compose: "version: '2'\nservices:\n  web:\n    image: nginx\nservicez:\n  x: 1\n",
			want:    []string{"docker-compose.yml", "servicez"},
		},
		"not yaml": {
			compose: "version: '2'\nservices:\n  web:\n    image: [unclosed\n",
			want:    []string{"docker-compose.yml", "line"},
		},
		"missing env_file": {
			compose: "version: '2'\nservices:\n  web:\n    image: nginx\n" +
				"    env_file: nope.env\n",
			want: []string{"nope.env"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "badstack")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(dir, "docker-compose.yml")
			if err := os.WriteFile(f, []byte(tc.compose), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, append([]string{"up", "-f", f}, common...)...)
			if err == nil {
				t.Fatalf("up accepted a bad file:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			stacks, lerr := d.Client.List(t.Context(), "stacks", nil)
			if lerr != nil || len(stacks) != 0 {
				t.Errorf("bad input created stacks: %v %v", stacks, lerr)
			}
		})
	}
}

func TestUpLeavesStartOnCreateFalseInactive(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	dir := filepath.Join(t.TempDir(), "jobs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	compose := "version: '2'\nservices:\n  app:\n    image: " + apitest.Image() +
		"\n    command: [sleep, '600']\n  util-job:\n    image: " + apitest.Image() +
		"\n    command: [echo, done]\n"
	rancher := "version: '2'\nservices:\n  util-job:\n    start_on_create: false\n"
	for name, text := range map[string]string{"docker-compose.yml": compose,
		"rancher-compose.yml": rancher} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, "up", "-d", "-f", filepath.Join(dir, "docker-compose.yml"), "--url",
		d.Server.URL, "--state-dir", d.StateDir)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	states := map[string]string{}
	svcs, err := d.Client.List(t.Context(), "services", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs {
		states[s.Str("name")] = s.Str("state")
	}
	if states["app"] != "active" || states["util-job"] != "inactive" {
		t.Fatalf("states = %v\n%s", states, out)
	}
}

// Several `spinlocal up` of one project at once all succeed, and make one stack.
func TestConcurrentUpsOfOneProject(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	dir := filepath.Join(t.TempDir(), "twin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	compose := "version: '2'\nservices:\n  db:\n    image: " + apitest.Image() +
		"\n    command: [sleep, '600']\n  app:\n    image: " + apitest.Image() +
		"\n    command: [sleep, '600']\n    links: [db]\n"
	f := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(f, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			app := newApp()
			app.Writer, app.ErrWriter = io.Discard, io.Discard
			errs <- app.RunContext(t.Context(), []string{"spinlocal", "up", "-d", "-f", f,
				"--url", d.Server.URL, "--state-dir", d.StateDir})
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent up: %v", err)
		}
	}
	stacks, err := d.Client.List(t.Context(), "stacks", nil)
	if err != nil || len(stacks) != 1 {
		t.Fatalf("stacks = %v %v", stacks, err)
	}
	svcs, _ := d.Client.List(t.Context(), "services", nil)
	if len(svcs) != 2 {
		t.Fatalf("services = %d, want 2", len(svcs))
	}
}

func TestUpRefusesAStackNameItWouldHaveToRewrite(t *testing.T) {
	d := apitest.StartClean(t)
	for _, name := range []string{"../../etc", "My Stack!", "UPPER"} {
		out, err := run(t, "up", "-d", "-s", name, "-f",
			filepath.Join("..", "..", "fixtures", "flask-demo", "docker-compose.yml"),
			"--url", d.Server.URL, "--state-dir", d.StateDir)
		if err == nil || !strings.Contains(err.Error(), "stack names are lowercase") {
			t.Errorf("-s %q: %v\n%s", name, err, out)
		}
	}
	if stacks, _ := d.Client.List(t.Context(), "stacks", nil); len(stacks) != 0 {
		t.Errorf("stacks created: %v", stacks)
	}
}

// Under the daemon's audit, a project with one refused service creates nothing at all:
// not the stack, not the services that would pass.
func TestUpAuditsTheWholeProjectFirst(t *testing.T) {
	d := apitest.StartCleanPolicy(t, emulator.Policy{})
	dir := filepath.Join(t.TempDir(), "half")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	compose := "version: '2'\nservices:\n  db:\n    image: nginx:1.25\n    cap_drop: [ALL]\n" +
		"  web:\n    image: nginx:1.25\n    cap_drop: [ALL]\n    privileged: true\n"
	f := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(f, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "up", "-d", "-f", f, "--url", d.Server.URL, "--state-dir", d.StateDir)
	if err == nil || !strings.Contains(err.Error(), "nothing was created") ||
		!strings.Contains(err.Error(), "privileged") {
		t.Fatalf("up of a refused project: %v\n%s", err, out)
	}
	for _, coll := range []string{"stacks", "services"} {
		if items, _ := d.Client.List(t.Context(), coll, nil); len(items) != 0 {
			t.Errorf("%s created: %v", coll, items)
		}
	}
}

// A service that fails does not keep up from creating and starting the others, as with
// rancher up: up exits non-zero naming the failed service, and the rest run.
func TestUpGoesOnPastAFailedService(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	file := writeProject(t, "halfbad", "version: '2'\nservices:\n  broken:\n    image: "+
		"spinlocal/no-such-image:1\n  good:\n    image: "+apitest.Image()+
		"\n    command: [sleep, '600']\n", "")
	out, code, err := runApp(t, nil, append([]string{"up", "-d", "-f", file},
		daemonArgs(d)...)...)
	if code == 0 || err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("status %d, err %v:\n%s", code, err, out)
	}
	if !strings.Contains(out, "[broken]: Failed: ") || !strings.Contains(out, "[good]: Started") {
		t.Errorf("output:\n%s", out)
	}
	states := map[string]string{}
	svcs, lerr := d.Client.List(t.Context(), "services", nil)
	if lerr != nil {
		t.Fatal(lerr)
	}
	for _, s := range svcs {
		states[s.Str("name")] = s.Str("state")
	}
	if states["good"] != "active" || states["broken"] == "" {
		t.Fatalf("states = %v\n%s", states, out)
	}
}

// spinlocal up of a project that mounts another user's volume, or deploys into another
// user's stack, is refused before anything is made.
func TestUpRefusesOthersVolumeBeforeCreating(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	access, secret, err := d.Emu.CreateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	alice := client.New(d.Server.URL, access, secret)
	alice.Project = d.Client.Project
	if _, err := alice.Create(t.Context(), "volumes", map[string]any{"name": "alicedata",
		"driver": "local"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Engine.RemoveVolume(context.Background(), "alicedata") })
	if _, err := alice.Create(t.Context(), "stacks", map[string]any{"name": "alices"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SPINLOCAL_USER", "bob")
	for stack, want := range map[string]string{
		"intruder": "you don't own volume alicedata",
		"alices":   "you don't own stack alices"} {
		file := writeProject(t, stack, "version: '2'\nservices:\n  app:\n    image: "+
			apitest.Image()+"\n    command: [sleep, '600']\n    volumes:\n"+
			"      - alicedata:/data\nvolumes:\n  alicedata:\n    external: true\n", "")
		out, code, err := runApp(t, nil, append([]string{"up", "-d", "-f", file},
			daemonArgs(d)...)...)
		if code == 0 || err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "nothing was created") {
			t.Errorf("%s: status %d, err %v:\n%s", stack, code, err, out)
		}
	}
	if st, err := d.Client.FindByName(t.Context(), "stacks", "intruder", nil); err != nil ||
		st != nil {
		t.Errorf("a refused up made stack intruder: %v %v", st, err)
	}
}
