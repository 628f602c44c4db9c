package fakeapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// rawCall sends a request as the CLI does and returns the status and the raw reply.
func rawCall(t *testing.T, c *client.Client, method, u string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, u, rd)
	req.SetBasicAuth(c.AccessKey, c.SecretKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, got
}

func replyOf(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("reply is not JSON: %v\n%s", err, raw)
	}
	return m
}

// noValue fails when a reply holds the plaintext or its base64, or a non-null value.
func noValue(t *testing.T, what string, raw []byte, plain string) {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString([]byte(plain))
	if bytes.Contains(raw, []byte(plain)) || bytes.Contains(raw, []byte(b64)) {
		t.Fatalf("%s shows the secret's value: %s", what, raw)
	}
	if bytes.Contains(raw, []byte(`"value":"`)) {
		t.Fatalf("%s has a non-null value: %s", what, raw)
	}
}

func TestSecretsOverHTTP(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	coll := c.ProjectURL() + "/secrets"
	const plain = "s3cret-for-the-db\n"
	// The CLI's `secrets create NAME FILE` body.
	status, raw := rawCall(t, c, http.MethodPost, coll, map[string]any{
		"type": "secret", "name": "db.demo.password",
		"value": base64.StdEncoding.EncodeToString([]byte(plain))})
	created := replyOf(t, raw)
	if status != 201 || created["type"] != "secret" || created["name"] != "db.demo.password" ||
		!strings.HasPrefix(created["id"].(string), "1se") {
		t.Fatalf("create: %d %s", status, raw)
	}
	if created["state"] != "creating" || created["links"].(map[string]any)["self"] == nil {
		t.Errorf("create reply: %s", raw)
	}
	noValue(t, "create reply", raw, plain)
	id := created["id"].(string)

	// `secrets ls`, a lookup by name, and `inspect`.
	for _, q := range []string{"", "?removed_null=1&limit=100", "?name=db.demo.password" +
		"&removed_null=1", "?system=false&removed_null=1"} {
		status, raw := rawCall(t, c, http.MethodGet, coll+q, nil)
		data, _ := replyOf(t, raw)["data"].([]any)
		if status != 200 || len(data) != 1 || data[0].(map[string]any)["id"] != id {
			t.Fatalf("list %q: %d %s", q, status, raw)
		}
		noValue(t, "list "+q, raw, plain)
	}
	status, raw = rawCall(t, c, http.MethodGet, coll+"/"+id, nil)
	got := replyOf(t, raw)
	if v, ok := got["value"]; status != 200 || !ok || v != nil || got["state"] != "active" ||
		got["transitioning"] != "no" || got["created"] == nil {
		t.Fatalf("get: %d %s", status, raw)
	}
	noValue(t, "get", raw, plain)
	// A lookup tries the name as an id first: that must be a plain 404.
	for _, notID := range []string{"db.demo.password", "a/b", "1se999"} {
		if status, raw := rawCall(t, c, http.MethodGet, coll+"/"+notID, nil); status != 404 {
			t.Errorf("GET secrets/%s: %d %s", notID, status, raw)
		}
	}

	status, raw = rawCall(t, c, http.MethodPost, coll, map[string]any{
		"name": "db.demo.password", "value": "eA=="})
	if status != 422 || replyOf(t, raw)["code"] != "NotUnique" {
		t.Fatalf("duplicate: %d %s", status, raw)
	}
	for body, code := range map[string]string{`{"name":"x","value":""}`: "EmptySecret",
		`{"name":"x","value":"!!"}`: "InvalidBase64", `{"name":"x","value":7}`: "InvalidBase64",
		`{"name":"x/y","value":"eA=="}`: "InvalidCharacters"} {
		status, raw := rawCall(t, c, http.MethodPost, coll, json.RawMessage(body))
		if status != 422 || replyOf(t, raw)["code"] != code {
			t.Errorf("%s: %d %s, want 422 %s", body, status, raw, code)
		}
	}

	// Another user may not remove it; Spin's refusal carries only a message.
	wilma := keyFor(t, d, "wilma")
	status, raw = rawCall(t, wilma, http.MethodDelete, coll+"/"+id, nil)
	refusal := replyOf(t, raw)
	if status != 401 || refusal["message"] != "you don't own secret db.demo.password" {
		t.Fatalf("wilma's delete: %d %s", status, raw)
	}
	for k := range refusal {
		if k != "type" && k != "status" && k != "message" {
			t.Errorf("refusal has extra key %q", k)
		}
	}

	status, raw = rawCall(t, c, http.MethodDelete, coll+"/"+id, nil)
	if status != 200 || replyOf(t, raw)["state"] != "removed" {
		t.Fatalf("delete: %d %s", status, raw)
	}
	if items, _ := c.List(t.Context(), "secrets", url.Values{"removed_null": {"1"}}); len(
		items) != 0 {
		t.Fatalf("removed secret still listed: %v", items)
	}
	items, _ := c.List(t.Context(), "secrets", url.Values{"all": {"true"}})
	if len(items) != 1 || items[0].Str("state") != "removed" {
		t.Fatalf("list all=true: %v", items)
	}
}

func TestSecretsSchemaAllowsCreate(t *testing.T) {
	d := apitest.StartClean(t)
	_, schema := get(t, d.Client, d.Client.ProjectURL()+"/schemas/secret")
	if !contains(schema["collectionMethods"], "POST") ||
		!contains(schema["resourceMethods"], "DELETE") {
		t.Fatalf("secret schema: %v", schema)
	}
}

func TestSecretInUseCannotBeDeleted(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	sec, err := c.Create(t.Context(), "secrets", map[string]any{"name": "web.used.key",
		"value": base64.StdEncoding.EncodeToString([]byte("k"))})
	if err != nil {
		t.Fatal(err)
	}
	stack := createStack(t, c, "used")
	lc := sleeper()
	lc["secrets"] = []any{map[string]any{"secretId": sec.Str("id"), "name": "key"}}
	svc := createService(t, c, stack, "web", lc, 1)
	_, err = c.Delete(t.Context(), sec)
	var apiErr *client.Error
	if !asAPIError(err, &apiErr) || apiErr.Status != 422 || apiErr.Code != "InvalidState" ||
		!strings.Contains(apiErr.Message, "web.used.key") ||
		!strings.Contains(apiErr.Message, "used/web") {
		t.Fatalf("delete of a secret in use: %v", err)
	}
	if _, err := c.Delete(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete(t.Context(), sec); err != nil {
		t.Fatalf("delete once the service is gone: %v", err)
	}
}

func TestDeployCreatesSecretFromFile(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	dir := t.TempDir()
	files := map[string]string{"db_password.txt": "from-a-file",
		"docker-compose.yml": "version: '2'\nservices:\n  web:\n    image: " +
			apitest.Image() + "\n    command: [sleep, '3600']\n    secrets:\n" +
			"      - source: demo.pw\n        target: pw\nsecrets:\n  demo.pw:\n" +
			"    file: ./db_password.txt\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	for range 2 {
		p, err := compose.Load(ctx, compose.Options{WorkingDir: dir, ProjectName: "demo",
			Environ: map[string]string{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Deploy(ctx, p, &out); err != nil {
			t.Fatalf("deploy: %v\n%s", err, out.String())
		}
	}
	want := "Creating secret demo.pw with contents from file " +
		filepath.Join(dir, "db_password.txt")
	if !strings.Contains(out.String(), want) ||
		!strings.Contains(out.String(), "Secret demo.pw already exists") {
		t.Fatalf("deploy output lacks the secret lines:\n%s", out.String())
	}
	sec, err := c.FindByName(ctx, "secrets", "demo.pw", nil)
	if err != nil || sec == nil {
		t.Fatalf("secret not created: %v", err)
	}
	if v, err := d.Emu.SecretValue(sec.Str("id")); err != nil || string(v) != "from-a-file" {
		t.Fatalf("stored value %q, %v", v, err)
	}
	svc, _ := c.FindByName(ctx, "services", "web", nil)
	refs, _ := svc["launchConfig"].(map[string]any)["secrets"].([]any)
	if len(refs) != 1 || refs[0].(map[string]any)["secretId"] != sec.Str("id") {
		t.Fatalf("service secrets: %v", refs)
	}
}
