package dockerproxy

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
)

func TestRoute(t *testing.T) {
	cases := []struct {
		name, method, path string
		status             int    // 0: passes
		message            string // part of the refusal
		container, exec    bool
		reply              reply
	}{
		{name: "ping", method: "HEAD", path: "/_ping"},
		{name: "version", method: "GET", path: "/v1.41/version"},
		{name: "info", method: "GET", path: "/v1.41/info", reply: replyInfo},
		{name: "ps", method: "GET", path: "/v1.41/containers/json", reply: replyList},
		{name: "events", method: "GET", path: "/events", reply: replyEvents},
		{name: "image-ls", method: "GET", path: "/v1.41/images/json"},
		{name: "image-inspect", method: "GET", path: "/v1.41/images/library/busybox/json"},
		{name: "inspect", method: "GET", path: "/v1.41/containers/web-1/json", container: true},
		{name: "logs", method: "GET", path: "/v1.41/containers/web-1/logs", container: true},
		{name: "cp-in", method: "PUT", path: "/v1.41/containers/web-1/archive",
			container: true},
		{name: "exec-create", method: "POST", path: "/v1.41/containers/web-1/exec",
			container: true},
		{name: "exec-start", method: "POST", path: "/v1.41/exec/abc/start", exec: true},
		{name: "exec-inspect", method: "GET", path: "/v1.41/exec/abc/json", exec: true,
			reply: replyExec},
		{name: "run", method: "POST", path: "/v1.41/containers/create", status: 403,
			message: "creating containers is not allowed through rancher docker"},
		{name: "stop", method: "POST", path: "/v1.41/containers/web-1/stop", status: 403,
			message: "docker stop is not allowed through rancher docker: " +
				"the container's service decides whether it runs; use rancher stop web-1"},
		{name: "kill", method: "POST", path: "/containers/web-1/kill", status: 403,
			message: "use rancher stop web-1"},
		{name: "rm", method: "DELETE", path: "/v1.41/containers/web-1", status: 403,
			message: "use rancher rm web-1"},
		{name: "pause", method: "POST", path: "/containers/web-1/pause", status: 403,
			message: "Spin has no such action"},
		{name: "pull", method: "POST", path: "/images/create", status: 403,
			message: "images are shared by every user of the host"},
		{name: "build", method: "POST", path: "/build", status: 403,
			message: "images are shared"},
		{name: "volume-ls", method: "GET", path: "/volumes", status: 403,
			message: "use rancher volume ls"},
		{name: "volume-inspect", method: "GET", path: "/volumes/data", status: 404,
			message: "No such volume: data"},
		{name: "network-inspect", method: "GET", path: "/networks/bridge", status: 404,
			message: "No such network: bridge"},
		{name: "plugin-inspect", method: "GET", path: "/plugins/x/json", status: 404},
		{name: "system-prune", method: "POST", path: "/containers/prune", status: 403},
		{name: "swarm-init", method: "POST", path: "/swarm/init", status: 403,
			message: "it reaches beyond your own containers"},
		{name: "attach-ws", method: "GET", path: "/containers/web-1/attach/ws",
			status: 403},
		{name: "exec-delete", method: "DELETE", path: "/exec/abc/json", status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, seg := splitPath(tc.path)
			v := route(tc.method, seg)
			if tc.status == 0 {
				if v.refusal != nil {
					t.Fatalf("refused: %+v", v.refusal)
				}
				if v.container != tc.container || v.exec != tc.exec || v.reply != tc.reply {
					t.Fatalf("verdict %+v", v)
				}
				return
			}
			if v.refusal == nil || v.refusal.status != tc.status ||
				!strings.Contains(v.refusal.message, tc.message) {
				t.Fatalf("refusal %+v, want %d with %q", v.refusal, tc.status, tc.message)
			}
		})
	}
}

func TestSplitPathKeepsTheVersion(t *testing.T) {
	prefix, seg := splitPath("/v1.41/containers/web-1/json")
	if prefix != "/v1.41" || strings.Join(seg, "|") != "containers|web-1|json" {
		t.Fatalf("split: %q %q", prefix, seg)
	}
	seg[1] = "0123abcd"
	if got := joinPath(prefix, seg); got != "/v1.41/containers/0123abcd/json" {
		t.Fatalf("join: %q", got)
	}
	if prefix, _ := splitPath("/_ping"); prefix != "" {
		t.Fatalf("unversioned path has prefix %q", prefix)
	}
}

func targets() []emulator.DockerTarget {
	return []emulator.DockerTarget{
		{ID: "1i1", Name: "app-web-1", DockerID: "aaa111", DockerName: "app-web-1",
			Stack: "app", Running: true, Mine: true},
		{ID: "1i2", Name: "app-web-2", DockerID: "aab222", DockerName: "app-web-2-1i2",
			Stack: "app", Mine: true},
		{ID: "1i3", Name: "other-db-1", DockerID: "bbb333", DockerName: "other-db-1",
			Stack: "other", Running: true},
	}
}

func TestResolve(t *testing.T) {
	cases := []struct{ name, ref, want string }{
		{"cattle-name", "app-web-2", "1i2"},
		{"suffixed-docker-name", "app-web-2-1i2", "1i2"},
		{"slash-name", "/app-web-1", "1i1"},
		{"cattle-id", "1I3", "1i3"},
		{"full-id", "bbb333", "1i3"},
		{"unique-prefix", "aab", "1i2"},
		{"ambiguous-prefix", "aa", ""},
		{"unknown", "nosuch", ""},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := resolve(targets(), tc.ref)
			if tc.want == "" && ok || tc.want != "" && got.ID != tc.want {
				t.Fatalf("resolve(%q) = %s %v, want %q", tc.ref, got.ID, ok, tc.want)
			}
		})
	}
}

func TestResolvePrefersTheCallersContainer(t *testing.T) {
	ts := targets()
	ts[2].Name = "app-web-1" // somebody else's container with the same Cattle name
	got, ok := resolve(ts[1:], "app-web-1")
	if !ok || got.ID != "1i3" {
		t.Fatalf("only theirs: %+v %v", got, ok)
	}
	got, ok = resolve(ts, "app-web-1")
	if !ok || got.ID != "1i1" {
		t.Fatalf("mine and theirs: %+v %v", got, ok)
	}
}

func TestScopeQuery(t *testing.T) {
	labels := map[string]string{"io.spinlocal.daemon": "d1"}
	cases := []struct {
		name, query string
		want        map[string]bool // the label filter sent to Docker
		limit       int
	}{
		{"none", "all=1", map[string]bool{"io.spinlocal.daemon=d1": true}, 0},
		{"map-form", `filters={"label":{"a=b":true},"status":{"running":true}}&limit=2`,
			map[string]bool{"a=b": true, "io.spinlocal.daemon=d1": true}, 2},
		{"list-form", `filters={"label":["a=b"]}`,
			map[string]bool{"a=b": true, "io.spinlocal.daemon=d1": true}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			out, limit, err := scopeQuery(q, labels)
			if err != nil {
				t.Fatal(err)
			}
			var f map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out.Get("filters")), &f); err != nil {
				t.Fatal(err)
			}
			var got map[string]bool
			_ = json.Unmarshal(f["label"], &got)
			if len(got) != len(tc.want) || limit != tc.limit || out.Has("limit") {
				t.Fatalf("labels %v limit %d query %v", got, limit, out)
			}
			for k := range tc.want {
				if !got[k] {
					t.Fatalf("label filter %v lacks %s", got, k)
				}
			}
			if strings.Contains(tc.query, "status") && len(f["status"]) == 0 {
				t.Fatalf("other filters dropped: %s", out.Get("filters"))
			}
		})
	}
	if _, _, err := scopeQuery(url.Values{"filters": {"{"}}, labels); err == nil {
		t.Fatal("broken filters passed")
	}
}

func TestFilterList(t *testing.T) {
	body := `[{"Id":"bbb333","Names":["/other-db-1"]},` +
		`{"Id":"aab222","Names":["/app-web-2-1i2"],"Image":"x"},` +
		`{"Id":"aaa111","Names":["/app-web-1"]},{"Id":"ccc444","Names":["/foreign"]}]`
	out, err := filterList([]byte(body), targets(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		ID    string
		Names []string
		Image string
	}
	_ = json.Unmarshal(out, &got)
	if len(got) != 2 || got[0].ID != "aab222" || got[0].Names[0] != "/app-web-2" ||
		got[0].Image != "x" || got[1].ID != "aaa111" {
		t.Fatalf("filtered: %s", out)
	}
	out, _ = filterList([]byte(body), targets(), 1)
	if err := json.Unmarshal(out, &got); err != nil || len(got) != 1 {
		t.Fatalf("limit 1: %s", out)
	}
}

func TestSanitizeInfo(t *testing.T) {
	body := `{"Containers":9,"ContainersRunning":5,"HttpProxy":"http://u:pw@proxy:3128",` +
		`"NoProxy":"","ServerVersion":"20.10"}`
	out, err := sanitizeInfo([]byte(body), targets())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(out, &got)
	if got["HttpProxy"] != "" || got["Containers"] != 2.0 || got["ContainersRunning"] != 1.0 ||
		got["ContainersStopped"] != 1.0 || got["ServerVersion"] != "20.10" {
		t.Fatalf("info: %s", out)
	}
	if _, ok := got["HttpsProxy"]; ok {
		t.Fatalf("added a field Docker did not send: %s", out)
	}
}

func TestTruthy(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "true": true, "": false, "0": false,
		"False": false, " no ": false, "none": false} {
		if truthy(v) != want {
			t.Errorf("truthy(%q) != %v", v, want)
		}
	}
}
