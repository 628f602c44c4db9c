package fakeapi_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
	dockerclient "github.com/docker/docker/client"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// accountCall sends one account-scope request ({api}/...), as `rancher env` does, and
// returns the reply or the API error.
func accountCall(t *testing.T, c *client.Client, method, path string,
	body any) (client.Resource, error) {
	t.Helper()
	var out client.Resource
	err := c.Do(t.Context(), method, c.API()+path, body, &out)
	return out, err
}

// envList is `rancher env ls` (or -a): the project ids the list shows.
func envList(t *testing.T, c *client.Client, all bool) []string {
	t.Helper()
	q := "?limit=-2&removed_null=1&state_ne=inactive&state_ne=stopped&state_ne=removing" +
		"&system=false"
	if all {
		q = "?all=true&limit=-2&system=false"
	}
	var out struct {
		Data []client.Resource `json:"data"`
	}
	if err := c.Do(t.Context(), http.MethodGet, c.API()+"/projects"+q, nil, &out); err != nil {
		t.Fatalf("env ls: %v", err)
	}
	var ids []string
	for _, p := range out.Data {
		ids = append(ids, p.Str("id"))
	}
	return ids
}

// wantAPIError checks an error is the API's, with status and a message that contains
// every part.
func wantAPIError(t *testing.T, what string, err error, status int, parts ...string) {
	t.Helper()
	var apiErr *client.Error
	if !asAPIError(err, &apiErr) || apiErr.Status != status {
		t.Fatalf("%s: got %v, want status %d", what, err, status)
	}
	text := apiErr.Code + " " + apiErr.Message + " " + apiErr.FieldName
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("%s: %q lacks %q", what, text, p)
		}
	}
}

// dockerNetworkExists reports whether Docker has a network of that name.
func dockerNetworkExists(t *testing.T, name string) bool {
	t.Helper()
	cli, err := dockerclient.NewClientWithOpts(dockerclient.FromEnv,
		dockerclient.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	_, err = cli.NetworkInspect(t.Context(), name, network.InspectOptions{})
	if err != nil && !errdefs.IsNotFound(err) {
		t.Fatalf("inspect network %s: %v", name, err)
	}
	return err == nil
}

// dockerLeft counts the containers and volumes Docker still holds for an environment.
func dockerLeft(t *testing.T, d *apitest.Daemon, pid string) (containers, volumes int) {
	t.Helper()
	match := map[string]string{engine.LabelDaemon: d.Emu.DaemonID(),
		engine.LabelProjectID: pid}
	list, err := d.Engine.List(t.Context(), match)
	if err != nil {
		t.Fatal(err)
	}
	vols, err := d.Engine.ListVolumes(t.Context(), match)
	if err != nil {
		t.Fatal(err)
	}
	return len(list), len(vols)
}

// createEnv is `rancher env create NAME`: the template lookup by name, then the POST.
func createEnv(t *testing.T, c *client.Client, name string) client.Resource {
	t.Helper()
	var tmpls struct {
		Data []client.Resource `json:"data"`
	}
	err := c.Do(t.Context(), http.MethodGet, c.API()+"/projecttemplates?name=Cattle&"+
		"removed_null=1", nil, &tmpls)
	if err != nil || len(tmpls.Data) != 1 {
		t.Fatalf("template lookup: %v %v", tmpls.Data, err)
	}
	p, err := accountCall(t, c, http.MethodPost, "/projects", map[string]any{"name": name,
		"projectTemplateId": tmpls.Data[0].Str("id")})
	if err != nil {
		t.Fatalf("env create %s: %v", name, err)
	}
	return p
}

func TestEnvironmentCreateUseDeactivateActivateRemove(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	p := createEnv(t, c, "elvis-lab")
	pid := p.Str("id")
	if !strings.HasPrefix(pid, "1a") || p.Str("state") != "active" ||
		p.Action("deactivate") == "" || p.Str("orchestration") != "cattle" {
		t.Fatalf("new environment: %v", p)
	}
	if ids := envList(t, c, false); !slices.Contains(ids, pid) ||
		!slices.Contains(ids, emulator.DefaultProjectID) {
		t.Fatalf("env ls = %v, want %s and the Spin environments", ids, pid)
	}

	// Deploy into it, as the CLI does with --environment elvis-lab, next to a stack in
	// dev-cattle that must outlive the environment.
	ec := *c
	if err := ec.UseEnvironment(t.Context(), "elvis-lab"); err != nil || ec.Project != pid {
		t.Fatalf("use environment: %v (%s)", err, ec.Project)
	}
	vol, err := ec.Create(t.Context(), "volumes", map[string]any{"name": "lab.data"})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := ec.Create(t.Context(), "secrets", map[string]any{"name": "web.lab.key",
		"value": base64.StdEncoding.EncodeToString([]byte("k"))})
	if err != nil {
		t.Fatal(err)
	}
	lc := sleeper()
	lc["dataVolumes"] = []string{"lab.data:/data"}
	lc["secrets"] = []any{map[string]any{"secretId": sec.Str("id"), "name": "key"}}
	stack := createStack(t, &ec, "lab")
	web := runningService(t, &ec, stack, "web", lc)
	other := runningService(t, c, createStack(t, c, "stays"), "web", sleeper())
	if n, v := dockerLeft(t, d, pid); n != 1 || v != 1 {
		t.Fatalf("Docker holds %d containers and %d volumes of the environment", n, v)
	}
	netName := d.Prefix + "-elvis-lab"
	if !dockerNetworkExists(t, netName) {
		t.Fatalf("no Docker network %s", netName)
	}

	_, err = accountCall(t, c, http.MethodDelete, "/projects/"+pid, nil)
	wantAPIError(t, "rm of an active environment", err, 405, "deactivate it first")

	// Deactivating stops its services and keeps their containers; nothing starts there.
	p, err = accountCall(t, c, http.MethodPost, "/projects/"+pid+"/?action=deactivate", nil)
	if err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	p = settle(t, c, p, "inactive")
	if p.Action("activate") == "" || slices.Contains(envList(t, c, false), pid) ||
		!slices.Contains(envList(t, c, true), pid) {
		t.Fatalf("inactive environment: actions %v, hidden from env ls only", p["actions"])
	}
	if web = reload(t, &ec, web); web.Str("state") != "inactive" {
		t.Fatalf("service of a deactivated environment is %s", web.Str("state"))
	}
	if st, ok := dockerStatus(t, d, "lab-web-1"); !ok || st.Running {
		t.Fatalf("container of a deactivated environment: present %v, running %v", ok,
			st.Running)
	}
	_, err = ec.Create(t.Context(), "stacks", map[string]any{"name": "late"})
	wantAPIError(t, "stack create in an inactive environment", err, 403, "inactive",
		"rancher env activate elvis-lab")

	// Activating starts the same services again.
	p, err = accountCall(t, c, http.MethodPost, "/projects/"+pid+"/?action=activate", nil)
	if err != nil {
		t.Fatalf("activate: %v", err)
	}
	settle(t, c, p, "active")
	settle(t, &ec, reload(t, &ec, web), "active")
	if st, ok := dockerStatus(t, d, "lab-web-1"); !ok || !st.Running {
		t.Fatal("container not running after the environment was activated")
	}

	// Removal takes everything of the environment out of Docker, and nothing else.
	if _, err = accountCall(t, c, http.MethodPost, "/projects/"+pid+"/?action=deactivate",
		nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, p), "inactive")
	p, err = accountCall(t, c, http.MethodDelete, "/projects/"+pid, nil)
	if err != nil || p.Str("state") != "removing" {
		t.Fatalf("rm: %v %v", p.Str("state"), err)
	}
	settle(t, c, p, "removed")
	if n, v := dockerLeft(t, d, pid); n != 0 || v != 0 {
		t.Fatalf("Docker still holds %d containers and %d volumes of the environment", n, v)
	}
	if dockerNetworkExists(t, netName) {
		t.Fatalf("network %s left behind", netName)
	}
	for _, r := range []client.Resource{vol, sec, stack} {
		if r = reload(t, &ec, r); r.Str("state") != "removed" {
			t.Errorf("%s %s is %s after its environment went", r.Str("type"), r.Str("name"),
				r.Str("state"))
		}
	}
	if slices.Contains(envList(t, c, false), pid) {
		t.Error("removed environment still listed by env ls")
	}
	settle(t, c, reload(t, c, other), "active")
	if st, ok := dockerStatus(t, d, "stays-web-1"); !ok || !st.Running {
		t.Error("removing an environment touched a dev-cattle container")
	}
}

func TestEnvironmentRefusals(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	p := createEnv(t, c, "mine")
	tests := []struct {
		name, method, path string
		body               any
		status             int
		parts              []string
	}{
		{"duplicate-name", http.MethodPost, "/projects", map[string]any{"name": "MINE"},
			422, []string{"NotUnique", "already exists"}},
		{"spin-name", http.MethodPost, "/projects", map[string]any{"name": "dev-cattle"},
			422, []string{"already exists"}},
		{"unknown-template", http.MethodPost, "/projects", map[string]any{"name": "k8s",
			"projectTemplateId": "1pt9"}, 422, []string{"1pt9", "Cattle"}},
		{"bad-name", http.MethodPost, "/projects", map[string]any{"name": "my_env"},
			422, []string{"letters, digits and '-'"}},
		{"id-like-name", http.MethodPost, "/projects", map[string]any{"name": "1a99"},
			422, []string{"starts like an environment id"}},
		{"id-prefix-name", http.MethodPost, "/projects", map[string]any{"name": "1abc"},
			422, []string{"starts like an environment id"}},
		{"rm-builtin", http.MethodDelete, "/projects/" + emulator.DefaultProjectID, nil,
			401, []string{"dev-cattle", "NERSC"}},
		{"deactivate-builtin", http.MethodPost, "/projects/1a736936/?action=deactivate",
			nil, 401, []string{"prod-cattle", "cannot be deactivated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := accountCall(t, c, tt.method, tt.path, tt.body)
			wantAPIError(t, tt.name, err, tt.status, tt.parts...)
		})
	}
	if ids := envList(t, c, true); len(ids) != 4 {
		t.Errorf("refused creates left environments behind: %v", ids)
	}

	// Another user neither sees the environment nor may touch it.
	access, secret, err := d.Emu.CreateKey("wilma")
	if err != nil {
		t.Fatal(err)
	}
	wilma := client.New(c.Base, access, secret)
	if slices.Contains(envList(t, wilma, true), p.Str("id")) {
		t.Error("another user sees the environment")
	}
	_, err = accountCall(t, wilma, http.MethodPost, "/projects/"+p.Str("id")+
		"/?action=deactivate", nil)
	wantAPIError(t, "deactivate by another user", err, 404)
	// Taking the name is refused without telling the other environment's id.
	_, err = accountCall(t, wilma, http.MethodPost, "/projects", map[string]any{
		"name": "mine"})
	wantAPIError(t, "another user's name", err, 422, "name mine is taken")
	var apiErr *client.Error
	if asAPIError(err, &apiErr) && strings.Contains(apiErr.Message, p.Str("id")) {
		t.Errorf("the refusal tells another user's environment id: %s", apiErr.Message)
	}
	wilma.Project = p.Str("id")
	_, err = wilma.List(t.Context(), "stacks", url.Values{})
	wantAPIError(t, "another user's environment scope", err, 404)
}

// With environments shared by the daemon config, another user sees and uses one, but
// only its owner deactivates or removes it.
func TestSharedEnvironmentBelongsToItsOwner(t *testing.T) {
	policy := apitest.AuditOff()
	policy.EnvironmentsShared = true
	d := apitest.StartCleanPolicy(t, policy)
	p := createEnv(t, d.Client, "team")
	access, secret, err := d.Emu.CreateKey("wilma")
	if err != nil {
		t.Fatal(err)
	}
	wilma := client.New(d.Client.Base, access, secret)
	if err := wilma.UseEnvironment(t.Context(), "team"); err != nil {
		t.Fatalf("shared environment: %v", err)
	}
	createStack(t, wilma, "wilmas")
	_, err = accountCall(t, wilma, http.MethodPost, "/projects/"+p.Str("id")+
		"/?action=deactivate", nil)
	wantAPIError(t, "deactivate by a non-owner", err, 401, "you don't own environment team")
	_, err = accountCall(t, wilma, http.MethodDelete, "/projects/"+p.Str("id"), nil)
	wantAPIError(t, "rm by a non-owner", err, 401, "you don't own environment team")
	if r := reload(t, d.Client, p); r.Str("state") != "active" {
		t.Errorf("environment is %s after refused changes", r.Str("state"))
	}
}

// An environment, its state and the services its deactivation stopped are in the state
// database: a restarted daemon still knows which services to start when it is activated.
func TestEnvironmentSurvivesRestart(t *testing.T) {
	d := apitest.Start(t, "")
	id, prefix, eng := d.Emu.DaemonID(), d.Prefix, d.Engine
	t.Cleanup(func() { apitest.Cleanup(t, eng, id, prefix) })
	c := d.Client
	p := createEnv(t, c, "durable")
	ec := *c
	ec.Project = p.Str("id")
	web := runningService(t, &ec, createStack(t, &ec, "app"), "web", sleeper())
	p, err := accountCall(t, c, http.MethodPost, "/projects/"+p.Str("id")+
		"/?action=deactivate", nil)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, c, p, "inactive")
	d.Stop()

	d2 := apitest.Start(t, d.StateDir)
	t.Cleanup(d2.Stop)
	c2 := client.New(d2.Server.URL, c.AccessKey, c.SecretKey)
	p, err = accountCall(t, c2, http.MethodGet, "/projects/"+p.Str("id"), nil)
	if err != nil || p.Str("state") != "inactive" || p.Str("name") != "durable" {
		t.Fatalf("environment after restart: %v %v", p, err)
	}
	p, err = accountCall(t, c2, http.MethodPost, "/projects/"+p.Str("id")+
		"/?action=activate", nil)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, c2, p, "active")
	ec2 := *c2
	ec2.Project = p.Str("id")
	web, err = ec2.Get(t.Context(), ec2.ProjectURL()+"/services/"+web.Str("id"))
	if err != nil {
		t.Fatal(err)
	}
	settle(t, &ec2, web, "active")
	if next := createEnv(t, c2, "later"); next.Str("id") == p.Str("id") {
		t.Fatalf("environment id %s reused after restart", next.Str("id"))
	}
}
