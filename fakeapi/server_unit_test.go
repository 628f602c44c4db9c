package fakeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/audit"
)

// apiHarness is a Server over an Emulator with no engine: nothing here reconciles, so
// resources stay in the states the API put them in.
type apiHarness struct {
	t              *testing.T
	srv            *httptest.Server
	access, secret string
}

func newAPIHarness(t *testing.T) *apiHarness {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	off := audit.Levels{}
	for _, r := range audit.Rules() {
		off[r.ID] = audit.Off
	}
	emu, err := emulator.Open(emulator.Config{StateDir: t.TempDir(), Logger: quiet,
		Policy: emulator.Policy{Levels: off}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	access, secret, err := emu.CreateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(emu, quiet))
	t.Cleanup(srv.Close)
	return &apiHarness{t: t, srv: srv, access: access, secret: secret}
}

func (h *apiHarness) project() string {
	return h.srv.URL + "/v2-beta/projects/" + emulator.DefaultProjectID
}

// call sends a request (body nil for none) and decodes the JSON reply.
func (h *apiHarness) call(method, url string, body any) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(h.t.Context(), method, url, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.SetBasicAuth(h.access, h.secret)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatalf("%s %s: reply is not JSON: %v", method, url, err)
	}
	return resp.StatusCode, out
}

func (h *apiHarness) mustCall(method, url string, body any, want int) map[string]any {
	h.t.Helper()
	status, out := h.call(method, url, body)
	if status != want {
		h.t.Fatalf("%s %s = %d %v, want %d", method, url, status, out, want)
	}
	return out
}

func dataIDs(t *testing.T, coll map[string]any) []string {
	t.Helper()
	data, ok := coll["data"].([]any)
	if !ok {
		t.Fatalf("not a collection: %v", coll)
	}
	var out []string
	for _, d := range data {
		out = append(out, asString(d.(map[string]any)["id"]))
	}
	return out
}

func TestActionURLsWithTrailingSlashUnit(t *testing.T) {
	h := newAPIHarness(t)
	p := h.project()
	st := h.mustCall("POST", p+"/stacks", map[string]any{"name": "demo"}, 201)
	svc := h.mustCall("POST", p+"/services", map[string]any{"type": "service",
		"name": "web", "stackId": st["id"], "links": map[string]any{},
		"actions": map[string]any{},
		"launchConfig": map[string]any{"imageUuid": "docker:nginx",
			"links":  map[string]any{},
			"labels": map[string]any{"links": "kept"}}}, 201)
	if svc["state"] != "inactive" || svc["transitioning"] != "no" {
		t.Fatalf("new service %v/%v", svc["state"], svc["transitioning"])
	}
	acts, _ := svc["actions"].(map[string]any)
	activate, _ := acts["activate"].(string)
	if !strings.HasSuffix(activate, "/?action=activate") {
		t.Fatalf("activate URL %q, want <self>/?action=activate", activate)
	}
	if _, ok := acts["deactivate"]; ok {
		t.Error("an inactive service offers deactivate")
	}
	lcfg, _ := svc["launchConfig"].(map[string]any)
	labels, _ := lcfg["labels"].(map[string]any)
	if _, ok := lcfg["links"]; ok || labels["links"] != "kept" {
		t.Errorf("stored launchConfig %v", lcfg)
	}

	// Actions answer 2xx with the resource already transitioning (cattle-api 2.6).
	got := h.mustCall("POST", activate, nil, 202)
	if got["state"] != "activating" || got["transitioning"] != "yes" {
		t.Fatalf("activate reply %v/%v", got["state"], got["transitioning"])
	}
	acts, _ = got["actions"].(map[string]any)
	if _, ok := acts["activate"]; ok {
		t.Error("an activating service still offers activate")
	}
	// The mock's form without the slash works as well.
	self := got["links"].(map[string]any)["self"].(string)
	got = h.mustCall("POST", self+"?action=deactivate", map[string]any{}, 202)
	if got["state"] != "deactivating" {
		t.Errorf("deactivate reply state %v", got["state"])
	}
	// An action that is not offered is 422 ActionNotAvailable.
	status, e := h.call("POST", self+"/?action=restart", nil)
	if status != 422 || e["code"] != "ActionNotAvailable" || e["type"] != "error" {
		t.Errorf("restart while deactivating: %d %v", status, e)
	}
	// An action no service has is named as such, with the ones there are.
	status, e = h.call("POST", self+"/?action=bogus", nil)
	if msg, _ := e["message"].(string); status != 422 || e["code"] != "InvalidAction" ||
		!strings.Contains(msg, "a service has no action bogus") ||
		!strings.Contains(msg, "its actions are activate, ") {
		t.Errorf("an unknown action: %d %v", status, e)
	}
}

func TestLookupQueriesOverHTTPUnit(t *testing.T) {
	h := newAPIHarness(t)
	p := h.project()
	demo := h.mustCall("POST", p+"/stacks", map[string]any{"name": "demo"}, 201)
	other := h.mustCall("POST", p+"/stacks", map[string]any{"name": "other"}, 201)
	lc := map[string]any{"imageUuid": "docker:nginx"}
	web := h.mustCall("POST", p+"/services", map[string]any{"name": "web",
		"stackId": demo["id"], "launchConfig": lc}, 201)
	h.mustCall("POST", p+"/services", map[string]any{"name": "web",
		"stackId": other["id"], "launchConfig": lc}, 201)
	gone := h.mustCall("POST", p+"/stacks", map[string]any{"name": "gone"}, 201)
	h.mustCall("DELETE", p+"/stacks/"+asString(gone["id"]), nil, 200)

	tests := []struct {
		query string
		n     int
	}{
		{"/stacks?name=demo&removed_null=1", 1},
		{"/stacks?name=demo&removed_null=%3Cnil%3E", 1},
		{"/stacks?name=Demo&removed_null=1", 0},
		{"/stacks?name=nosuch&removed_null=1", 0},
		{"/services?name=web&removed_null=1", 2},
		{"/services?name=web&stackId=" + asString(demo["id"]), 1},
		{"/services?limit=-2&state_ne=inactive&state_ne=stopped&state_ne=removing" +
			"&system=false", 0},
		{"/services?limit=-2&system=false", 2},
		{"/stacks?limit=-2&system=false", 3},
		{"/hosts?limit=-2&system=false", 1},
	}
	for _, tt := range tests {
		coll := h.mustCall("GET", p+tt.query, nil, 200)
		if got := dataIDs(t, coll); len(got) != tt.n {
			t.Errorf("GET %s = %v, want %d items", tt.query, got, tt.n)
		}
	}
	got := dataIDs(t, h.mustCall("GET", p+"/services?name=web&stackId="+
		asString(demo["id"]), nil, 200))
	if len(got) != 1 || got[0] != web["id"] {
		t.Errorf("service lookup in stack = %v, want [%v]", got, web["id"])
	}
}

func TestSchemasAndUnknownIDsOverHTTPUnit(t *testing.T) {
	h := newAPIHarness(t)
	p := h.project()
	for _, tt := range []struct{ path, id string }{
		{"/schemas/schemas", "schema"}, {"/schemas/services", "service"},
		{"/schemas/stack", "stack"}} {
		if got := h.mustCall("GET", p+tt.path, nil, 200); got["id"] != tt.id {
			t.Errorf("GET %s id = %v, want %s", tt.path, got["id"], tt.id)
		}
	}
	if got := h.mustCall("GET", h.srv.URL+"/v2-beta/schemas/schemas", nil, 200); got["id"] !=
		"schema" {
		t.Errorf("account schemas/schemas id = %v", got["id"])
	}
	// Lookups of non-ids must be 404, whatever the argument looks like.
	for _, path := range []string{"/services/web", "/services/a/b", "/services/1s999",
		"/stacks/demo-1", "/containers/x.y", "/schemas/nosuch", "/nosuchtype"} {
		if status, _ := h.call("GET", p+path, nil); status != 404 {
			t.Errorf("GET %s = %d, want 404", path, status)
		}
	}
}
