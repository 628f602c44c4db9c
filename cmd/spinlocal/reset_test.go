package main

import (
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// envCounts counts the live stacks, volumes and secrets of every environment.
func envCounts(t *testing.T, cl *client.Client) map[string]int {
	t.Helper()
	envs, err := inventory(t.Context(), cl)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range envs {
		out["stacks"] += len(e.stacks)
		out["volumes"] += len(e.volumes)
		out["secrets"] += len(e.secrets)
	}
	return out
}

func TestReset(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	common := daemonArgs(d)
	file := writeProject(t, "resettable", "version: '2'\nservices:\n  app:\n    image: "+
		apitest.Image()+"\n    command: [sleep, '600']\n    volumes: ['data:/data']\n"+
		"volumes:\n  data: {}\n", "")
	for _, env := range []string{"dev-cattle", "sandbox"} {
		if out, code, err := runApp(t, nil, append([]string{"up", "-d", "-e", env, "-f",
			file}, common...)...); code != 0 {
			t.Fatalf("up -e %s: %v\n%s", env, err, out)
		}
	}
	mine, err := connect(t.Context(), d.Server.URL, d.StateDir, "prod-cattle")
	if err != nil {
		t.Fatal(err)
	}
	value := base64.StdEncoding.EncodeToString([]byte("s3cret"))
	for coll, body := range map[string]map[string]any{
		"volumes": {"name": "scratch"}, "secrets": {"name": "token", "value": value},
	} {
		if _, err := mine.Create(t.Context(), coll, body); err != nil {
			t.Fatal(err)
		}
	}
	// Another user's secret: reset may not remove it.
	theirs, err := d.Client.Create(t.Context(), "secrets", map[string]any{
		"name": "elvis-token", "value": value})
	if err != nil {
		t.Fatal(err)
	}
	before := envCounts(t, mine)

	// No terminal and no --yes: refused, nothing removed.
	out, code, err := runApp(t, strings.NewReader("y\n"), append([]string{"reset"},
		common...)...)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "pass --yes") {
		t.Fatalf("reset without --yes: %d %v\n%s", code, err, out)
	}
	// A terminal that answers no: cancelled.
	stdinIsTerminal = func(io.Reader) bool { return true }
	out, code, err = runApp(t, strings.NewReader("n\n"), append([]string{"reset"},
		common...)...)
	stdinIsTerminal = isTerminal
	if code != 1 || !strings.Contains(out, "[y/N]") ||
		!strings.Contains(err.Error(), "reset cancelled") {
		t.Fatalf("reset answered no: %d %v\n%s", code, err, out)
	}
	if got := envCounts(t, mine); got["stacks"] != before["stacks"] ||
		got["volumes"] != before["volumes"] || got["secrets"] != before["secrets"] {
		t.Fatalf("refused resets removed something: %v -> %v", before, got)
	}

	out, code, err = runApp(t, nil, append([]string{"reset", "--yes"}, common...)...)
	if code != 1 || err == nil || !strings.Contains(err.Error(),
		"you don't own secret elvis-token") {
		t.Fatalf("reset with another user's secret: %d %v\n%s", code, err, out)
	}
	for _, want := range []string{"Removed stack dev-cattle/resettable",
		"Removed stack sandbox/resettable", "Removed volume prod-cattle/scratch",
		"Removed secret prod-cattle/token"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := d.Client.Delete(t.Context(), theirs); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SPINLOCAL_YES", "1")
	out, code, err = runApp(t, nil, append([]string{"reset"}, common...)...)
	if code != 0 || !strings.Contains(out, "holds no stacks, volumes or secrets") {
		t.Fatalf("reset of an empty daemon: %d %v\n%s", code, err, out)
	}
	requireNoStacks(t, d)
}
