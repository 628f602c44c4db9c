package fakeapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/mounts"
)

// The spin-flask-demo entries of the shared compose corpus are read where they lie, next
// to the module; nothing of them is copied into the project.
var flaskDemoCorpus = filepath.Join("..", "..", "shared", "corpus", "compose")

// The values that stand in for the lesson's placeholders: the user elvis of spinPolicy
// (uid 10001, primary group 10001, also in csg 71234) and his project m1234.
const (
	fdUser    = "elvis"
	fdOwner   = "10001:10001"
	fdProject = "m1234"
	fdWorkdir = "spin"
	fdStack   = fdUser + "-flask-demo"
	fdSecret  = "db." + fdStack + ".mongo-initdb-password"
	fdVolume  = "db." + fdStack
)

// flaskDemoFill is the fixture: each placeholder of the spin-flask-demo files and its value
// here. USERNAME is replaced only where it names the stack: MONGO_INITDB_ROOT_USERNAME is a
// real variable. The Replacer tries the pairs in this order at each position, so
// YOURUSERNAME wins over the USERNAME it contains. Port 60000 becomes a free port of the
// same firewall range, so that the test does not fight `make demo` for it.
func flaskDemoFill(port int) *strings.Replacer {
	return strings.NewReplacer(
		"YOURUSERNAME", fdUser,
		"USERNAME-flask-demo", fdStack,
		"YOUR_UID:YOUR_GID", fdOwner,
		"YOUR_PROJECT", fdProject,
		"YOUR_SPIN_WORKDIR", fdWorkdir,
		"60000:8080", fmt.Sprintf("%d:8080", port),
	)
}

// leftPlaceholder finds a placeholder the fixture missed.
var leftPlaceholder = regexp.MustCompile(`\bYOUR\w*|\bUSERNAME\b`)

// flaskDemoOverride is the second compose file of every case. The db image stands in for
// mongo:latest without being MongoDB, so it only idles; it runs as root with the file's
// capabilities, as the mongo entrypoint does before it drops to its own user.
const flaskDemoOverride = `version: '2'
services:
  db:
    command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 1; done"]
`

// flaskDemoWebBuild makes the web image: the local nginx image plus the nginx group that
// the lesson's image (built on the official nginx image) has and `group_add` names.
const flaskDemoWebBuild = `FROM spinlocal/flask-demo-web:1
USER 0:0
RUN groupadd --system nginx
USER 33:33
`

// flaskDemoImages are the image names the filled files use and what they are made from
// locally: a tag of a local image, or a build on top of one (dockerfile set).
var flaskDemoImages = []struct{ name, from, dockerfile string }{
	{"registry.spin.nersc.gov/" + fdUser + "/my-first-container-nginx:latest",
		"spinlocal/flask-demo-web:1", flaskDemoWebBuild},
	{"registry.spin.nersc.gov/" + fdUser + "/spin-flask-demo-app:v1",
		"spinlocal/flask-demo-app:1", ""},
	{"registry.spin.nersc.gov/" + fdUser + "/spin-flask-demo-app:v2",
		"spinlocal/flask-demo-app:1", ""},
	{"mongo:latest", apitest.Image(), ""},
}

// The spin-flask-demo files of the corpus, filled in, deploy under Spin's default audit:
// every service is active, web reads its /global files as its user, app and db get the
// secret file with its owner and mode and nothing leaks it, and the rancher-nfs volume of
// example 3 keeps its data across the removal of the db container.
func TestFlaskDemoCorpusDeploys(t *testing.T) {
	eng := apitest.Docker(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the /global tree other owners")
	}
	if _, err := os.Stat(flaskDemoCorpus); err != nil {
		t.Skipf("no shared compose corpus beside the module: %v", err)
	}
	for _, img := range flaskDemoImages {
		if !eng.HasImage(t.Context(), img.from) {
			if os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1" {
				t.Fatalf("image %s missing: run scripts/build-images.sh", img.from)
			}
			t.Skipf("image %s missing: run scripts/build-images.sh", img.from)
		}
	}
	for _, img := range flaskDemoImages {
		lendImageName(t, img.name, img.from, img.dockerfile)
	}

	cases := []struct {
		entry, file  string
		secrets, nfs bool
	}{
		{"spin-flask-demo__1", "docker-compose.yml.example1", false, false},
		{"spin-flask-demo__2", "docker-compose.yml.example2", true, false},
		{"spin-flask-demo__3", "docker-compose.yml.example3", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.entry, func(t *testing.T) {
			started := time.Now()
			d := startSpinWithVolumes(t)
			c := d.Client
			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()

			secret := "mongo-" + randomHex(t, 12)
			p := loadFilledFlaskDemo(t, filepath.Join(tc.entry, tc.file), secret)
			if got := len(p.Secrets) > 0; got != tc.secrets {
				t.Fatalf("%s: top-level secrets %v, want %v", tc.entry, p.Secrets, tc.secrets)
			}
			if got := len(p.Volumes) > 0; got != tc.nfs {
				t.Fatalf("%s: top-level volumes %v, want %v", tc.entry, p.Volumes, tc.nfs)
			}
			gpfs := flaskDemoGPFS(t, d)
			var vol client.Resource
			if tc.nfs {
				// external: true: the volume must exist before `up`, as on Spin.
				var err error
				vol, err = c.Create(ctx, "volumes", map[string]any{"name": fdVolume,
					"driver": "rancher-nfs"})
				if err != nil {
					t.Fatal(err)
				}
			}

			var out bytes.Buffer
			dep, err := c.Deploy(ctx, p, &out)
			if err != nil {
				t.Fatalf("deploy: %v\n%s", err, out.String())
			}
			cts := map[string]client.Resource{}
			for _, svc := range dep.Services {
				svc = settle(t, c, reload(t, c, svc), "active")
				cts[svc.Str("name")] = runningInstance(t, c, svc, "")
			}
			if len(cts) != 3 || cts["web"] == nil || cts["app"] == nil || cts["db"] == nil {
				t.Fatalf("services deployed: %v\n%s", dep.Services, out.String())
			}

			checkFlaskDemoGPFS(t, c, cts["web"], gpfs)
			if tc.secrets {
				want := "Creating secret " + fdSecret + " with contents from file " +
					filepath.Join(p.Dir, "mongo-initdb-password") + "\n"
				if !strings.Contains(out.String(), want) {
					t.Errorf("deploy output lacks %q:\n%s", want, out.String())
				}
				for _, name := range []string{"app", "db"} {
					checkFlaskDemoSecret(t, c, cts[name], secret)
				}
				var found []string
				found = append(found, leaks("daemon log", []byte(d.Log()), secret)...)
				found = append(found, leaks("deploy output", out.Bytes(), secret)...)
				for name, ct := range cts {
					raw := []byte(inspectRaw(t, ct.Str("externalId")))
					found = append(found, leaks("docker inspect of "+name, raw, secret)...)
				}
				_, raw := rawCall(t, c, "GET", c.ProjectURL()+"/containers", nil)
				found = append(found, leaks("containers", raw, secret)...)
				if len(found) > 0 {
					t.Errorf("the secret's value shows in: %v", found)
				}
			}
			if tc.nfs {
				svc := dep.Services[indexOfService(dep.Services, "db")]
				checkFlaskDemoNFS(t, d, vol, svc, cts["db"])
			}
			if took := time.Since(started); took > 60*time.Second {
				t.Errorf("%s took %s, more than a minute", tc.entry, took)
			}
		})
	}
}

// loadFilledFlaskDemo fills the placeholders of a corpus file into a temporary project
// directory with the override, writes the secret file the entry leaves out, and loads it.
func loadFilledFlaskDemo(t *testing.T, rel, secret string) *compose.Project {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(flaskDemoCorpus, rel))
	if err != nil {
		t.Fatal(err)
	}
	filled := flaskDemoFill(freeFirewalledPort(t)).Replace(string(raw))
	if left := leftPlaceholder.FindAllString(filled, -1); len(left) > 0 {
		t.Fatalf("%s: placeholders left after filling: %v", rel, left)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, filepath.Base(rel))
	override := filepath.Join(dir, "spinlocal-override.yml")
	for name, text := range map[string]string{file: filled, override: flaskDemoOverride,
		filepath.Join(dir, "mongo-initdb-password"): secret} {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, err := compose.Load(t.Context(), compose.Options{Files: []string{file, override},
		ProjectName: fdStack, WorkingDir: dir, Environ: map[string]string{}})
	if err != nil {
		t.Fatalf("load filled %s: %v", rel, err)
	}
	return p
}

// flaskDemoGPFSFiles are what the web service reads from /global, with a mark each.
type flaskDemoGPFSFiles struct{ conf, page string }

// flaskDemoGPFS builds the project directory the files mount from: m1234 belongs to root
// and the project group, the work directories to elvis; none is readable by others, but
// each is searchable (o+x), as the lesson asks. Both sources are elvis's alone.
func flaskDemoGPFS(t *testing.T, d *apitest.Daemon) flaskDemoGPFSFiles {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tree := mounts.Tree{Root: d.GlobalRoot()}
	project := "/global/project/projectdirs/" + fdProject
	web := project + "/" + fdWorkdir + "/" + fdStack + "/web"
	must(tree.Mkdir("/global/project/projectdirs", true, 0o755))
	must(tree.Mkdir(project, false, 0o771))
	must(tree.Chown(project, 0, 71234))
	for _, dir := range []string{project + "/" + fdWorkdir, project + "/" + fdWorkdir +
		"/" + fdStack, web} {
		must(tree.Mkdir(dir, false, 0o711))
		must(tree.Chown(dir, 10001, 71234))
	}
	must(tree.Mkdir(web+"/images", false, 0o750))
	must(tree.Chown(web+"/images", 10001, 71234))
	files := flaskDemoGPFSFiles{conf: "# gpfs-conf-" + randomHex(t, 6),
		page: "gpfs-page-" + randomHex(t, 6)}
	for global, text := range map[string]string{
		web + "/nginx-proxy.conf":  files.conf + "\nserver { listen 8080; }\n",
		web + "/images/index.html": files.page + "\n"} {
		local, err := tree.Resolve(global)
		must(err)
		must(os.WriteFile(local, []byte(text), 0o400))
		must(os.Chmod(local, 0o400))
		must(os.Chown(local, 10001, 71234))
	}
	return files
}

// checkFlaskDemoGPFS reads both mounts in web as its configured user 10001:10001, which
// owns the 0400 files, with the nginx group added by name.
func checkFlaskDemoGPFS(t *testing.T, c *client.Client, web client.Resource,
	want flaskDemoGPFSFiles) {
	t.Helper()
	out := shellIn(t, c, web, "id; cat /etc/nginx/conf.d/default.conf; cat /srv/index.html;"+
		" touch /srv/new 2>/dev/null || echo srv-read-only")
	for _, s := range []string{"uid=10001 gid=10001", "(nginx)", want.conf + "\n",
		want.page + "\n", "srv-read-only\n"} {
		if !strings.Contains(out, s) {
			t.Errorf("web lacks %q in:\n%s", s, out)
		}
	}
}

// checkFlaskDemoSecret checks the secret file of a service: owner root, mode 0444, the
// value, and the *_FILE variable pointing at it.
func checkFlaskDemoSecret(t *testing.T, c *client.Client, ct client.Resource, value string) {
	t.Helper()
	out := shellIn(t, c, ct, `f=/run/secrets/mongo-initdb-password; stat -c '%u %g %a' $f;`+
		` echo "value=$(cat $f)"; echo "var=$MONGO_INITDB_ROOT_PASSWORD_FILE"`)
	for _, s := range []string{"0 0 444\n", "value=" + value + "\n",
		"var=/run/secrets/mongo-initdb-password\n"} {
		if !strings.Contains(out, s) {
			t.Errorf("%s: secret file lacks %q in:\n%s", ct.Str("name"), s, out)
		}
	}
}

// checkFlaskDemoNFS checks that db mounts the rancher-nfs volume as a Docker volume and
// that what it writes there outlives its container.
func checkFlaskDemoNFS(t *testing.T, d *apitest.Daemon, vol, svc, db client.Resource) {
	t.Helper()
	c := d.Client
	if v := reload(t, c, vol); v.Str("state") != "active" {
		t.Errorf("volume %s is %s while db mounts it", fdVolume, v.Str("state"))
	}
	dv := dockerVolumeOf(t, d, vol.Str("id"))
	if dv.Labels[engine.LabelVolumeDriver] != "rancher-nfs" {
		t.Errorf("docker volume %s labels %v", dv.Name, dv.Labels)
	}
	var info struct {
		Mounts []struct{ Type, Name, Destination string }
	}
	if err := json.Unmarshal([]byte(inspectRaw(t, db.Str("externalId"))), &info); err != nil {
		t.Fatal(err)
	}
	mounted := false
	for _, m := range info.Mounts {
		mounted = mounted || (m.Type == "volume" && m.Name == dv.Name &&
			m.Destination == "/data/db")
	}
	if !mounted {
		t.Errorf("db mounts %+v, want docker volume %s at /data/db", info.Mounts, dv.Name)
	}

	note := "note-" + randomHex(t, 6)
	write := "echo " + note + " > /data/db/spinlocal-note && echo written"
	if out := shellIn(t, c, db, write); out != "written\n" {
		t.Fatalf("write to the volume: %q", out)
	}
	if _, err := c.Delete(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	next := runningInstance(t, c, svc, db.Str("id"))
	if out := shellIn(t, c, next, "cat /data/db/spinlocal-note"); out != note+"\n" {
		t.Errorf("the replacement db reads %q, want %q", out, note)
	}
}

// runningInstance waits for a running container of svc other than the one with id not.
func runningInstance(t *testing.T, c *client.Client, svc client.Resource,
	not string) client.Resource {
	t.Helper()
	var found client.Resource
	apitest.Eventually(t, 45*time.Second, func() string {
		for _, ct := range instances(t, c, svc) {
			if ct.Str("id") != not && ct.Str("state") == "running" {
				found = ct
				return ""
			}
		}
		return apitest.Errf("no running container of %s besides %q", svc.Str("name"), not)
	})
	return found
}

// shellIn runs a shell script in a container through the exec API as the CLI does (as the
// container's user) and returns what it printed.
func shellIn(t *testing.T, c *client.Client, ct client.Resource, script string) string {
	t.Helper()
	out, ce := runCLI(t, c, ct, false, "sh", "-c", script)
	if ce == nil || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("exec in %s ended with %v after %q", ct.Str("name"), ce, out)
	}
	return out
}

// dockerVolumeOf returns the Docker volume behind a Cattle volume.
func dockerVolumeOf(t *testing.T, d *apitest.Daemon, id string) engine.VolumeStatus {
	t.Helper()
	vols, err := d.Engine.ListVolumes(t.Context(), map[string]string{
		engine.LabelDaemon: d.Emu.DaemonID(), engine.LabelVolumeID: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 1 {
		t.Fatalf("docker volumes of %s: %v", id, vols)
	}
	return vols[0]
}

func indexOfService(list []client.Resource, name string) int {
	for i, r := range list {
		if r.Str("name") == name {
			return i
		}
	}
	return -1
}

// startSpinWithVolumes starts a daemon under Spin's default audit with spinPolicy's
// users, whose Docker volumes are removed after its containers.
func startSpinWithVolumes(t *testing.T) *apitest.Daemon {
	t.Helper()
	var d *apitest.Daemon
	t.Cleanup(func() {
		if d != nil {
			removeDaemonVolumes(t, d.Engine, d.Emu.DaemonID())
		}
	})
	d = apitest.StartCleanPolicy(t, spinPolicy())
	return d
}

// removeDaemonVolumes removes the Docker volumes a daemon made.
func removeDaemonVolumes(t *testing.T, eng *engine.Docker, daemonID string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vols, err := eng.ListVolumes(ctx, map[string]string{engine.LabelDaemon: daemonID})
	if err != nil {
		t.Logf("cleanup volumes: %v", err)
	}
	for _, v := range vols {
		if err := eng.RemoveVolume(ctx, v.Name); err != nil {
			t.Logf("cleanup volumes: %v", err)
		}
	}
}

// freeFirewalledPort is a free loopback port in Spin's open range 60001-60050.
func freeFirewalledPort(t *testing.T) int {
	t.Helper()
	for port := 60001; port <= 60050; port++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Skip("no free port in 60001-60050")
	return 0
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// lendImageName makes name resolve locally for the test, by a tag of from or by building
// dockerfile, and gives the name back afterwards: to the image that had it, or to nobody.
func lendImageName(t *testing.T, name, from, dockerfile string) {
	t.Helper()
	prev := imageID(name)
	var err error
	if dockerfile == "" {
		_, err = dockerCLI(t, "", "tag", from, name)
	} else {
		_, err = dockerCLI(t, dockerfile, "build", "-q", "-t", name, "-")
	}
	if err != nil {
		t.Fatal(err)
	}
	ours := imageID(name)
	t.Cleanup(func() {
		var errs []error
		if prev != "" {
			_, err := dockerCLI(t, "", "tag", prev, name)
			errs = append(errs, err)
			if dockerfile != "" && ours != prev {
				_, err = dockerCLI(t, "", "rmi", ours)
				errs = append(errs, err)
			}
		} else {
			_, err := dockerCLI(t, "", "rmi", name)
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			t.Logf("give back image name %s: %v", name, err)
		}
	})
}

// imageID is the id of a local image, or "" when there is none of that name.
func imageID(name string) string {
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}",
		name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// dockerCLI runs the docker command line (with the classic builder, which needs no
// buildx) and returns its standard output.
func dockerCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// The daemon should apply the secret rules to spin-flask-demo__2 as `spinlocal audit` does
// to the same filled file: warn that app uses a secret named for db (secret-name) and
// refuse a secret owner that is a name (secret-owner, a reject rule).
func TestFlaskDemoSecretRulesRunInTheDaemon(t *testing.T) {
	if _, err := os.Stat(flaskDemoCorpus); err != nil {
		t.Skipf("no shared compose corpus beside the module: %v", err)
	}
	d := apitest.StartCleanPolicy(t, spinPolicy())
	c := d.Client
	p := loadFilledFlaskDemo(t, "spin-flask-demo__2/docker-compose.yml.example2", "unused")
	sec := newSecret(t, c, fdSecret, "value-"+randomHex(t, 6))
	stack := createStack(t, c, fdStack)
	var base map[string]any
	for _, svc := range p.Services {
		if svc.Name == "app" {
			base = svc.LaunchConfig
		}
	}
	if base == nil {
		t.Fatal("the filled file has no app service")
	}
	if _, err := c.Create(t.Context(), "services", map[string]any{"name": "app",
		"stackId": stack.Str("id"), "launchConfig": cliSecretRefs(base, sec.Str("id"),
			"")}); err != nil {
		t.Fatalf("create app: %v", err)
	}
	if !strings.Contains(d.Log(), "rule=secret-name") {
		t.Errorf("no secret-name warning for app's use of %s in the daemon log", fdSecret)
	}

	status, body := rawError(t, c, c.ProjectURL()+"/services", map[string]any{
		"name": "api", "stackId": stack.Str("id"),
		"launchConfig": cliSecretRefs(base, sec.Str("id"), "mongodb")})
	msg, _ := body["message"].(string)
	if status != 401 || !strings.Contains(msg, `has uid "mongodb"`) {
		t.Errorf("a secret owned by a user name: status %d, message %q; want 401 from "+
			"secret-owner", status, msg)
	}
}

// cliSecretRefs turns the compose secret references of a launch config into the API's, as
// the Rancher CLI sends them: secretId and the target as name; uid replaces the uid when
// set.
func cliSecretRefs(lc map[string]any, secretID, uid string) map[string]any {
	out := map[string]any{}
	for k, v := range lc {
		out[k] = v
	}
	var refs []any
	list, _ := lc["secrets"].([]any)
	for _, r := range list {
		m, _ := r.(map[string]any)
		ref := map[string]any{"secretId": secretID, "name": m["target"]}
		for _, k := range []string{"uid", "gid", "mode"} {
			if v, ok := m[k]; ok {
				ref[k] = v
			}
		}
		if uid != "" {
			ref["uid"] = uid
		}
		refs = append(refs, ref)
	}
	out["secrets"] = refs
	return out
}
