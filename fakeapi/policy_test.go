package fakeapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// spinPolicy is the default audit with two NERSC users and a collaboration account.
func spinPolicy() emulator.Policy {
	return emulator.Policy{Levels: audit.Levels{}, Users: map[string]emulator.User{
		"elvis": {Name: "elvis", UID: 10001, Groups: []emulator.Group{{Name: "elvis",
			GID: 10001}, {Name: "csg", GID: 71234}}},
		"wilma": {Name: "wilma", UID: 10002, Groups: []emulator.Group{{Name: "wilma",
			GID: 10002}}},
		"fred": {Name: "fred", UID: 10003, Groups: []emulator.Group{{Name: "csg",
			GID: 71234}}},
	}, Collab: []emulator.Collab{{Name: "c_rover", UID: 70001, Groups: []string{"csg"}}}}
}

// compliant is a launch config Spin's audit accepts.
// It runs the local test image (a Docker Hub user image: a warning, not a refusal).
func compliant() map[string]any {
	lc := sleeper()
	lc["capDrop"] = []string{"ALL"}
	return lc
}

func keyFor(t *testing.T, d *apitest.Daemon, user string) *client.Client {
	t.Helper()
	access, secret, err := d.Emu.CreateKey(user)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(d.Server.URL, access, secret)
	c.Project = d.Client.Project
	return c
}

// rawError posts body and returns the status and the raw error body, as the CLI sees it.
func rawError(t *testing.T, c *client.Client, url string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(raw)))
	req.SetBasicAuth(c.AccessKey, c.SecretKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(got, &m)
	return resp.StatusCode, m
}

func TestAuditRefusesBeforeAnythingRuns(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	c := keyFor(t, d, "elvis")
	stack := createStack(t, c, "audited")
	bad := compliant()
	bad["privileged"] = true
	bad["capAdd"] = []string{"SYS_ADMIN"}
	status, body := rawError(t, c, c.ProjectURL()+"/services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "launchConfig": bad})
	msg, _ := body["message"].(string)
	if status != 401 || !strings.Contains(msg, "privileged") ||
		!strings.Contains(msg, "SYS_ADMIN") || !strings.Contains(msg, "web") {
		t.Fatalf("audit refusal: %d %v", status, body)
	}
	// Spin's refusals carry only a message: the CLI prints Body: [message=...].
	for k := range body {
		if k != "type" && k != "status" && k != "message" {
			t.Errorf("refusal body has extra key %q: the CLI would print it", k)
		}
	}
	if svcs, _ := c.List(t.Context(), "services", nil); len(svcs) != 0 {
		t.Fatalf("a refused service was created: %v", svcs)
	}
	// The same service passes once it follows the rules.
	if _, err := c.Create(t.Context(), "services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "launchConfig": compliant()}); err != nil {
		t.Fatalf("compliant service refused: %v", err)
	}
}

func TestUserRule(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	c := keyFor(t, d, "elvis")
	stack := createStack(t, c, "users")
	// Names resolve only in the image, so under a users: list they cannot be checked.
	for user, ok := range map[string]bool{"10001": true, "10001:71234": true,
		"70001": true, "10002": false, "10001:10002": false, "10001:root": false,
		"nobody": false} {
		lc := compliant()
		lc["user"] = user
		lc["dataVolumes"] = []string{"/global/cfs/cdirs/m1234:/data:ro"}
		name := "app-" + strings.ReplaceAll(user, ":", "-")
		_, err := c.Create(t.Context(), "services", map[string]any{"name": name,
			"stackId": stack.Str("id"), "launchConfig": lc})
		var apiErr *client.Error
		switch {
		case ok && err != nil:
			t.Errorf("user %s refused: %v", user, err)
		case !ok && (!asAPIError(err, &apiErr) || apiErr.Status != 401 ||
			!strings.Contains(apiErr.Message, "you cannot run a stack with your user: elvis")):
			t.Errorf("user %s: want Spin's refusal, got %v", user, err)
		}
	}
}

// group_add is held to the caller's groups; root is gid 0 in every image, so it is
// refused like 0. Another group name cannot be checked: by default a warning (Spin
// documents group_add with an image group), and a refusal when the site sets
// group-add-name to reject. A group name in user: is always refused.
func TestGroupAddNames(t *testing.T) {
	strict := spinPolicy()
	levels, err := audit.ParseLevels(map[string]string{"group-add-name": "reject"})
	if err != nil {
		t.Fatal(err)
	}
	strict.Levels = levels
	for _, policy := range []emulator.Policy{spinPolicy(), strict} {
		d := apitest.StartCleanPolicy(t, policy)
		c := keyFor(t, d, "elvis")
		stack := createStack(t, c, "groups")
		nameOK := len(policy.Levels) == 0
		for group, ok := range map[string]bool{"71234": true, "www-data": nameOK,
			"0": false, "root": false} {
			lc := compliant()
			lc["user"] = "10001:10001"
			lc["groupAdd"] = []string{group}
			_, err := c.Create(t.Context(), "services", map[string]any{"name": "app-" + group,
				"stackId": stack.Str("id"), "launchConfig": lc})
			var apiErr *client.Error
			switch {
			case ok && err != nil:
				t.Errorf("group_add %s refused: %v", group, err)
			case !ok && (!asAPIError(err, &apiErr) || apiErr.Status != 401 ||
				!strings.Contains(apiErr.Message, "allowed gids: 10001, 71234")):
				t.Errorf("group_add %s (levels %v): want a refusal, got %v", group,
					policy.Levels, err)
			}
		}
		if nameOK && !strings.Contains(d.Log(), `group_add: \"www-data\" is a group name`) {
			t.Errorf("no warning for group_add www-data in the daemon log:\n%s", d.Log())
		}
		lc := compliant()
		lc["user"] = "10001:root"
		_, err := c.Create(t.Context(), "services", map[string]any{"name": "app-root-gid",
			"stackId": stack.Str("id"), "launchConfig": lc})
		var apiErr *client.Error
		if !asAPIError(err, &apiErr) || !strings.Contains(apiErr.Message,
			`service "app-root-gid": user: "10001:root": "root" is not a numeric gid`) ||
			!strings.Contains(apiErr.Message, "use the numeric gid") {
			t.Errorf("user 10001:root: %v", err)
		}
	}
}

func TestOwnership(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	elvis, wilma, fred := keyFor(t, d, "elvis"), keyFor(t, d, "wilma"), keyFor(t, d, "fred")
	stack := createStack(t, elvis, "mine")
	svc := createService(t, elvis, stack, "web", compliant(), 1)
	want := "you don't own stack mine"
	var apiErr *client.Error
	for name, call := range map[string]func() error{
		"rm stack": func() error { _, err := wilma.Delete(t.Context(), stack); return err },
		"stop stack": func() error {
			_, err := wilma.Action(t.Context(), stack, "deactivateservices", nil)
			return err
		},
		"start service": func() error {
			_, err := wilma.Action(t.Context(), svc, "activate", nil)
			return err
		},
		"rm service": func() error { _, err := wilma.Delete(t.Context(), svc); return err },
		"upgrade": func() error {
			_, err := wilma.Action(t.Context(), svc, "upgrade", upgradeBody(compliant(), false))
			return err
		},
		"add service": func() error {
			_, err := wilma.Create(t.Context(), "services", map[string]any{"name": "db",
				"stackId": stack.Str("id"), "launchConfig": compliant()})
			return err
		},
	} {
		err := call()
		if !asAPIError(err, &apiErr) || apiErr.Status != 401 || apiErr.Message != want {
			t.Errorf("%s by another user: %v", name, err)
		}
	}
	// Reading is allowed, as on Spin.
	if _, err := wilma.Get(t.Context(), stack.Link("self")); err != nil {
		t.Errorf("another user cannot read: %v", err)
	}
	// Members of the stack's group: tag may act on it.
	if err := elvis.Do(t.Context(), "PUT", stack.Link("self"),
		map[string]any{"group": "owner:elvis,staff-owner:wilma,group:csg"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fred.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Errorf("group member refused: %v", err)
	}
	if _, err := wilma.Action(t.Context(), reload(t, wilma, svc), "deactivate", nil); err == nil {
		t.Error("a non-member of the group could stop the service")
	}
}

// The CLI drops the body of a failed DELETE but prints the status line, so a refused
// DELETE carries its reason there.
func TestRefusedDeleteCarriesTheReasonInTheStatus(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	elvis, wilma := keyFor(t, d, "elvis"), keyFor(t, d, "wilma")
	stack := createStack(t, elvis, "keepout")
	req, _ := http.NewRequest(http.MethodDelete, stack.Link("self"), nil)
	req.SetBasicAuth(wilma.AccessKey, wilma.SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Status != "401 you don't own stack keepout" {
		t.Fatalf("status line = %q", resp.Status)
	}
}

// Exec is a change: only the stack's owner (or its group) may open a shell in it.
func TestExecNeedsOwnership(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	elvis, wilma := keyFor(t, d, "elvis"), keyFor(t, d, "wilma")
	svc := createService(t, elvis, createStack(t, elvis, "shell"), "app", compliant(), 1)
	if _, err := elvis.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	svc = settle(t, elvis, reload(t, elvis, svc), "active")
	ct := instances(t, elvis, svc)[0]
	body := map[string]any{"attachStdin": true, "attachStdout": true,
		"command": []string{"id"}, "tty": true}
	status, reply := rawError(t, wilma, ct.Action("execute"), body)
	if status != 401 || reply["message"] != "you don't own stack shell" {
		t.Fatalf("exec by another user: %d %v", status, reply)
	}
	if _, err := elvis.Action(t.Context(), ct, "execute", body); err != nil {
		t.Fatalf("owner's exec refused: %v", err)
	}
}

// Mounting a secret reads it: only its owner may reference it in a service.
func TestOthersSecretsCannotBeMounted(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	elvis, wilma := keyFor(t, d, "elvis"), keyFor(t, d, "wilma")
	sec, err := elvis.Create(t.Context(), "secrets", map[string]any{
		"name": "web.mine.pw", "value": "czNjcjN0"})
	if err != nil {
		t.Fatal(err)
	}
	stack := createStack(t, wilma, "steal")
	lc := compliant()
	lc["secrets"] = []any{map[string]any{"secretId": sec.Str("id"), "name": "stolen"}}
	_, err = wilma.Create(t.Context(), "services", map[string]any{"name": "web",
		"stackId": stack.Str("id"), "launchConfig": lc})
	var apiErr *client.Error
	if !asAPIError(err, &apiErr) || apiErr.Status != 401 ||
		apiErr.Message != "you don't own secret web.mine.pw" {
		t.Fatalf("mounting another user's secret: %v", err)
	}
}

// The io.spinlocal.stack.tags label gives a stack its tags (the CLI cannot set the group
// field), so the group it names may act on the stack.
func TestTagsLabelGivesTheStackItsGroup(t *testing.T) {
	d := apitest.StartCleanPolicy(t, spinPolicy())
	elvis, fred := keyFor(t, d, "elvis"), keyFor(t, d, "fred")
	stack := createStack(t, elvis, "tagged")
	lc := compliant()
	tags := "owner:elvis,staff-owner:wilma,group:csg"
	lc["labels"] = map[string]any{"io.spinlocal.stack.tags": tags}
	svc := createService(t, elvis, stack, "web", lc, 1)
	if g := reload(t, elvis, stack).Str("group"); g != tags {
		t.Fatalf("stack group = %q", g)
	}
	if _, err := fred.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatalf("a member of the tagged group was refused: %v", err)
	}
}
