package fakeapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// newSecret creates a secret over the API, as `rancher secret create` does.
func newSecret(t *testing.T, c *client.Client, name, value string) client.Resource {
	t.Helper()
	s, err := c.Create(t.Context(), "secrets", map[string]any{"type": "secret", "name": name,
		"value": base64.StdEncoding.EncodeToString([]byte(value))})
	if err != nil {
		t.Fatalf("create secret %s: %v", name, err)
	}
	return s
}

// secretReader prints owner, group and mode of each /run/secrets file, then its value.
func secretReader(user string, refs ...map[string]any) map[string]any {
	lc := sleeper()
	lc["user"] = user
	lc["secrets"] = refs
	lc["command"] = []string{"sh", "-c", strings.Join([]string{
		"for f in /run/secrets/*; do",
		`  echo "$(basename $f): $(stat -c '%u %g %a' $f)"`,
		`  echo "$(basename $f) holds $(cat $f 2>/dev/null || echo nothing-readable)"`,
		"done",
		`echo "fs: $(stat -f -c %T /run/secrets)"`,
		"touch /run/secrets/new 2>/dev/null || echo secrets-read-only",
		"trap 'exit 0' TERM; while true; do sleep 1; done"}, "\n")}
	return lc
}

// leaks reports where a secret's value or its base64 shows.
func leaks(what string, raw []byte, values ...string) []string {
	var out []string
	for _, v := range values {
		b64 := base64.StdEncoding.EncodeToString([]byte(v))
		if bytes.Contains(raw, []byte(v)) || bytes.Contains(raw, []byte(b64)) {
			out = append(out, what)
		}
	}
	return out
}

func TestSecretFilesReachTheContainerOnly(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	const db, shared = "db-pa55word-7f3c9", "shared-k3y-52a1e"
	dbSecret := newSecret(t, c, "web.sec.db_password", db)
	sharedSecret := newSecret(t, c, "sec.shared", shared)
	stack := createStack(t, c, "sec")
	svc := runningService(t, c, stack, "web", secretReader("10001",
		map[string]any{"secretId": dbSecret.Str("id"), "name": "db_password",
			"uid": "10001", "gid": "10001", "mode": "400"},
		map[string]any{"secretId": sharedSecret.Str("id"), "name": "sec.shared"}))
	ct := instances(t, c, svc)[0]
	for _, line := range []string{"db_password: 10001 10001 400", "db_password holds " + db,
		"sec.shared: 0 0 444", "sec.shared holds " + shared, "fs: tmpfs",
		"secrets-read-only"} {
		expectLine(t, c, ct, line)
	}

	// A root container with the default owner and a 0400 file of another user: root
	// reads it (it keeps DAC_OVERRIDE without /global).
	root := runningService(t, c, stack, "root", secretReader("0",
		map[string]any{"secretId": dbSecret.Str("id"), "name": "db_password",
			"uid": "10001", "mode": "400"}))
	expectLine(t, c, instances(t, c, root)[0], "db_password: 10001 0 400")

	var found []string
	found = append(found, leaks("daemon log", []byte(d.Log()), db, shared)...)
	for what, u := range map[string]string{"service": svc.Link("self"),
		"container": ct.Link("self"), "stack": stack.Link("self"),
		"secret": dbSecret.Link("self"), "containers": c.ProjectURL() + "/containers",
		"secrets": c.ProjectURL() + "/secrets"} {
		_, raw := rawCall(t, c, http.MethodGet, u, nil)
		found = append(found, leaks(what, raw, db, shared)...)
	}
	_, raw := rawCall(t, c, http.MethodPost, reload(t, c, stack).Action("exportconfig"), nil)
	if !bytes.Contains(raw, []byte("db_password")) {
		t.Errorf("export lacks the secret reference: %s", raw)
	}
	found = append(found, leaks("export", raw, db, shared)...)
	inspect := inspectRaw(t, ct.Str("externalId"))
	found = append(found, leaks("docker inspect", []byte(inspect), db, shared)...)
	if len(found) > 0 {
		t.Fatalf("a secret value shows in: %v", found)
	}
	var info struct {
		Mounts []struct {
			Source, Destination string
			RW                  bool
		}
	}
	if err := json.Unmarshal([]byte(inspect), &info); err != nil {
		t.Fatal(err)
	}
	base, err := emulator.SecretFilesDir(d.Emu.DaemonID())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, ct.Str("id"))
	secretMounts := 0
	for _, m := range info.Mounts {
		if m.Source == dir || m.Destination == "/run/secrets" {
			secretMounts++
			if m.Source != dir || m.Destination != "/run/secrets" || m.RW {
				t.Errorf("mount %+v, want %s read-only at /run/secrets", m, dir)
			}
		}
	}
	if secretMounts != 1 {
		t.Errorf("mounts %+v, want %s read-only at /run/secrets once", info.Mounts, dir)
	}

	// Removing the stack removes the files.
	if err := c.Do(t.Context(), "DELETE", stack.Link("self"), nil, nil); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 30*time.Second, func() string {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			return apitest.Errf("%s is still there (%v)", dir, err)
		}
		return ""
	})
}

func TestSecretAddedToARunningServiceArrivesWithTheUpgrade(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "secup")
	svc := runningService(t, c, stack, "web", secretReader("0"))
	expectLine(t, c, instances(t, c, svc)[0], "secrets-read-only")

	const value = "late-secret-91b2"
	s := newSecret(t, c, "secup.token", value)
	lc := secretReader("0", map[string]any{"secretId": s.Str("id"), "name": "token"})
	lc["labels"] = map[string]any{"io.rancher.service.hash": "v2"}
	svc, err := c.Action(t.Context(), svc, "upgrade", upgradeBody(lc, false))
	if err != nil {
		t.Fatal(err)
	}
	settle(t, c, svc, "upgraded")
	for _, ct := range instances(t, c, svc) {
		if ct.Str("state") == "running" {
			expectLine(t, c, ct, "token holds "+value)
			expectLine(t, c, ct, "token: 0 0 444")
		}
	}
	if strings.Contains(d.Log(), value) {
		t.Error("the daemon log holds the secret's value")
	}
}
