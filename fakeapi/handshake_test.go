package fakeapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// get does what the CLI's client does: GET with Basic auth, expect 200.
func get(t *testing.T, c *client.Client, url string) (http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth(c.AccessKey, c.SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, raw)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", url, err)
	}
	return resp.Header, body
}

// bootstrap follows the CLI: GET url, then the X-API-Schemas URL if it differs, and
// returns the schema collection's types by id.
func bootstrap(t *testing.T, c *client.Client, url string) (string, map[string]any) {
	t.Helper()
	h, body := get(t, c, url)
	schemas := h.Get("X-API-Schemas")
	if schemas == "" {
		t.Fatalf("GET %s: no X-API-Schemas header", url)
	}
	if schemas != url {
		_, body = get(t, c, schemas)
	}
	if body["type"] != "collection" || body["resourceType"] != "schema" {
		t.Fatalf("%s is not a schema collection: %v", schemas, body["type"])
	}
	types := map[string]any{}
	for _, d := range body["data"].([]any) {
		s := d.(map[string]any)
		types[s["id"].(string)] = s
	}
	self := body["links"].(map[string]any)["self"].(string)
	return self, types
}

func TestHandshakeAsTheCLIDoesIt(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	api := d.Server.URL + "/v2-beta"

	_, account := bootstrap(t, c, api)
	for _, want := range []string{"schema", "project", "projectTemplate"} {
		if account[want] == nil {
			t.Errorf("account schemas lack %s", want)
		}
	}
	_, projects := get(t, c, api+"/projects?limit=-2&removed_null=1&state_ne=inactive"+
		"&state_ne=stopped&state_ne=removing&system=false")
	got := map[string]string{}
	for _, p := range projects["data"].([]any) {
		m := p.(map[string]any)
		got[m["id"].(string)] = m["name"].(string)
	}
	want := map[string]string{"1a5": "dev-cattle", "1a736936": "prod-cattle",
		"1a1221788": "sandbox"}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("project %s = %q, want %q", id, got[id], name)
		}
	}

	// The first request of every project command: {p}/schemas/schemas.
	h, _ := get(t, c, api+"/projects/1a5/schemas/schemas")
	if h.Get("X-API-Schemas") != api+"/projects/1a5/schemas" {
		t.Errorf("schemas/schemas header = %q", h.Get("X-API-Schemas"))
	}
	self, types := bootstrap(t, c, api+"/projects/1a5/schemas")
	if !strings.HasSuffix(self, "/projects/1a5/schemas") {
		t.Errorf("schema collection self = %q; up derives the transform URL from it", self)
	}
	for _, id := range []string{"schema", "project", "stack", "service", "loadBalancerService",
		"dnsService", "externalService", "container", "instance", "host", "volume",
		"volumeTemplate", "secret", "serviceConsumeMap", "certificate", "pullTask", "setting",
		"serviceLog", "machine", "projectTemplate"} {
		s, ok := types[id].(map[string]any)
		if !ok {
			t.Errorf("project schemas lack %s", id)
			continue
		}
		if s["links"].(map[string]any)["collection"] == nil {
			t.Errorf("schema %s has no collection link", id)
		}
	}
	stack := types["stack"].(map[string]any)
	if !contains(stack["collectionMethods"], "POST") {
		t.Error("stack schema must allow POST, or up says `Can not create a stack`")
	}

	// stack ls bootstraps the catalog too.
	_, cat := bootstrap(t, c, d.Server.URL+"/v1-catalog/projects/1a5")
	if cat["template"] == nil {
		t.Error("catalog schemas lack template")
	}
}

func TestUnauthorizedGetsTheEnvelope(t *testing.T) {
	d := apitest.StartClean(t)
	req, _ := http.NewRequest(http.MethodGet, d.Server.URL+"/v2-beta", nil)
	req.SetBasicAuth(d.Client.AccessKey, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 401 || body["type"] != "error" || body["code"] != "Unauthorized" {
		t.Fatalf("bad key: %d %v", resp.StatusCode, body)
	}
	// The health endpoint needs no key.
	resp, err = http.Get(d.Server.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestLookupsOfUnknownNamesAre404(t *testing.T) {
	d := apitest.StartClean(t)
	p := d.Client.ProjectURL()
	for _, u := range []string{"/services/nosuch", "/services/a/b", "/containers/web-1",
		"/stacks/my%20stack", "/hosts/laptop", "/machines/x", "/projecttemplates/x",
		"/volumes/v", "/secrets/s", "/settings/rancher.server.version"} {
		_, err := d.Client.Get(t.Context(), p+u)
		if !client.IsNotFound(err) {
			t.Errorf("GET %s: want 404, got %v", u, err)
		}
	}
}

func contains(list any, s string) bool {
	for _, e := range list.([]any) {
		if e == s {
			return true
		}
	}
	return false
}
