package fakeapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// cliLaunchConfig is a launch config as `rancher up` posts it for a compose service:
// the transform's keys plus the CLI's own (cattle-api.md 7.7 and 7.9).
func cliLaunchConfig(extra map[string]any) map[string]any {
	lc := map[string]any{"imageUuid": "docker:" + apitest.Image(),
		"command":     []any{"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"},
		"networkMode": "managed", "logConfig": map[string]any{"driver": "",
			"config": map[string]any{}},
		"labels": map[string]any{"io.rancher.service.hash": "abc"}}
	for k, v := range extra {
		lc[k] = v
	}
	return lc
}

// Export a stack of two linked services, one with a sidekick and a secret, then deploy the
// export as a new stack: the services come back with the same launch configs and links.
func TestExportConfigRedeploys(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	ctx := t.Context()
	orig := createStack(t, c, "orig")
	secret, err := c.Create(ctx, "secrets", map[string]any{"name": "db.pw",
		"value": base64.StdEncoding.EncodeToString([]byte("s3cret"))})
	if err != nil {
		t.Fatalf("create secret: %v", err)
	}
	// The CLI gives sidekicks the primary's secret list (cattle-api.md 7.7).
	mounts := []any{map[string]any{"secretId": secret.Str("id"), "name": "pw",
		"uid": "0", "gid": "0", "mode": "400"}}
	db := createService(t, c, orig, "db", cliLaunchConfig(map[string]any{
		"environment": map[string]any{"ROLE": "db", "PRICE": "$5 ${CURRENCY}"}}), 1)
	web, err := c.Create(ctx, "services", map[string]any{"name": "web",
		"stackId": orig.Str("id"), "scale": 2,
		"metadata": map[string]any{"io.rancher.service.hash": "svc", "team": "das"},
		"launchConfig": cliLaunchConfig(map[string]any{
			"labels": map[string]any{"io.rancher.service.hash": "abc",
				"io.rancher.sidekicks": "helper", "app": "demo"},
			"dataVolumesFromLaunchConfigs": []any{"helper"}, "secrets": mounts}),
		"secondaryLaunchConfigs": []any{cliLaunchConfig(map[string]any{"name": "helper",
			"dataVolumes": []any{"/shared"}, "secrets": mounts})}})
	if err != nil {
		t.Fatalf("create web: %v", err)
	}
	if _, err := c.Action(ctx, web, "setservicelinks", map[string]any{"serviceLinks": []any{
		map[string]any{"name": "database", "serviceId": db.Str("id")}}}); err != nil {
		t.Fatalf("setservicelinks: %v", err)
	}

	orig = reload(t, c, orig)
	var reply map[string]any
	if err := c.Do(ctx, "POST", orig.Action("exportconfig"), json.RawMessage("null"),
		&reply); err != nil {
		t.Fatalf("exportconfig: %v", err)
	}
	if reply["type"] != "composeConfig" {
		t.Errorf("type = %v, want composeConfig", reply["type"])
	}
	if a, _ := reply["actions"].(map[string]any); len(a) > 0 {
		t.Errorf("actions = %v: the CLI would write them to an answers file", a)
	}
	dir := t.TempDir()
	files := map[string]string{"docker-compose.yml": "dockerComposeConfig",
		"rancher-compose.yml": "rancherComposeConfig"}
	for file, key := range files {
		text, _ := reply[key].(string)
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil || doc["version"] != "2" {
			t.Fatalf("%s does not parse as a version '2' file: %v\n%s", key, err, text)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	p, err := compose.Load(ctx, compose.Options{WorkingDir: dir, ProjectName: "copy",
		Environ: map[string]string{}})
	if err != nil {
		t.Fatalf("load the export: %v", err)
	}
	deployCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	dep, err := c.Deploy(deployCtx, p, io.Discard)
	if err != nil {
		t.Fatalf("deploy the export: %v\n%s\n%s", err, reply["dockerComposeConfig"],
			reply["rancherComposeConfig"])
	}

	want := servicesOf(t, c, orig)
	got := servicesOf(t, c, dep.Stack)
	if len(got) != len(want) {
		t.Fatalf("copy has services %v, want %v", names(got), names(want))
	}
	for name, w := range want {
		g := got[name]
		if g == nil {
			t.Errorf("copy has no service %s", name)
			continue
		}
		for _, k := range []string{"scale", "launchConfig", "secondaryLaunchConfigs"} {
			if gj, wj := comparable(t, g[k]), comparable(t, w[k]); gj != wj {
				t.Errorf("%s %s:\n got %s\nwant %s", name, k, gj, wj)
			}
		}
		if gm, wm := g["metadata"].(map[string]any), w["metadata"].(map[string]any); gm["team"] !=
			wm["team"] {
			t.Errorf("%s metadata = %v, want %v", name, gm, wm)
		}
	}
	for stack, services := range map[string]map[string]client.Resource{"orig": want,
		"copy": got} {
		linked, _ := services["web"]["linkedServices"].(map[string]any)
		if len(linked) != 1 || linked["database"] != services["db"].Str("id") {
			t.Errorf("%s web links to %v, want database -> %s", stack, linked,
				services["db"].Str("id"))
		}
	}
}

// servicesOf lists a stack's services by name.
func servicesOf(t *testing.T, c *client.Client, stack client.Resource) map[string]client.Resource {
	t.Helper()
	list, err := c.List(t.Context(), "services", url.Values{"stackId": {stack.Str("id")}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]client.Resource{}
	for _, s := range list {
		out[s.Str("name")] = s
	}
	return out
}

func names(m map[string]client.Resource) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// comparable renders a value as canonical JSON without what an export does not keep:
// the config hash labels (the CLI recomputes them), launch-config versions and the ids
// of links.
func comparable(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "version")
			delete(x, "id")
			if labels, ok := x["labels"].(map[string]any); ok {
				delete(labels, "io.rancher.service.hash")
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(generic)
	b, _ = json.Marshal(generic)
	return string(b)
}
