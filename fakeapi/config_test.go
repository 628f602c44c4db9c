package fakeapi_test

import (
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// `rancher config` takes the address a user types (the bare daemon URL, to which the
// CLI's client adds /v2-beta), bootstraps the schemas from it, keeps the collection link
// of the "schema" schema as its URL, lists the environments to offer them, and every
// later command starts from that URL.
func TestConfigAsTheCLIDoesIt(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	for _, typed := range []string{d.Server.URL + "/v2-beta", d.Server.URL + "/v2-beta/"} {
		_, types := bootstrap(t, c, typed)
		schema, ok := types["schema"].(map[string]any)
		if !ok {
			t.Fatalf("%s: no schema schema, so config fails with `Failed to find schema URL`",
				typed)
		}
		url, _ := schema["links"].(map[string]any)["collection"].(string)
		if url != d.Server.URL+"/v2-beta/schemas" {
			t.Fatalf("%s: config would keep %q as the URL", typed, url)
		}
		// The saved URL works as the base of the next command.
		_, again := bootstrap(t, c, url)
		if again["project"] == nil {
			t.Fatalf("bootstrap from the saved URL lacks the project schema")
		}
	}
	// The environments config offers, in order, for `Select:`.
	_, projects := get(t, c, d.Server.URL+"/v2-beta/projects")
	if n := len(projects["data"].([]any)); n != 3 {
		t.Fatalf("config would offer %d environments, want Spin's 3", n)
	}
}
