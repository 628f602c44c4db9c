package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func TestKeygenWritesTheRancherConfig(t *testing.T) {
	d := apitest.StartClean(t)
	cfgPath := filepath.Join(t.TempDir(), ".rancher", "cli.json")
	// A config pointing at real Spin is kept, not clobbered.
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o700); err != nil {
		t.Fatal(err)
	}
	spin := `{"url":"https://rancher.spin.nersc.gov/v2-beta/schemas","accessKey":"x"}`
	if err := os.WriteFile(cfgPath, []byte(spin), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "keygen", "--user", "elvis", "--url", d.Server.URL, "--config",
		cfgPath, "--state-dir", d.StateDir, "--environment", "sandbox")
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	if !strings.HasSuffix(out, "Success: Spin API Key generated for elvis.\n") {
		t.Errorf("output = %q", out)
	}
	backup, err := os.ReadFile(cfgPath + ".spinlocal-backup")
	if err != nil || string(backup) != spin {
		t.Errorf("previous config not kept: %q %v", backup, err)
	}
	info, err := os.Stat(cfgPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("config mode: %v %v", info, err)
	}
	var cfg rancherConfig
	raw, _ := os.ReadFile(cfgPath)
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.URL != d.Server.URL+"/v2-beta/schemas" || cfg.Environment != "1a1221788" {
		t.Errorf("config = %+v", cfg)
	}
	// The key works, as the CLI would use it.
	c := client.New(d.Server.URL, cfg.AccessKey, cfg.SecretKey)
	if err := c.UseEnvironment(t.Context(), "dev-cattle"); err != nil {
		t.Errorf("minted key rejected: %v", err)
	}
}

func TestKeygenBadInput(t *testing.T) {
	d := apitest.StartClean(t)
	cfg := filepath.Join(t.TempDir(), "cli.json")
	cases := map[string]struct {
		args []string
		want string
	}{
		"no daemon": {[]string{"--url", "http://127.0.0.1:1"}, "no spinlocal daemon"},
		"wrong state dir": {[]string{"--url", d.Server.URL, "--state-dir", t.TempDir()},
			"admin token"},
		"bad user": {[]string{"--url", d.Server.URL, "--state-dir", d.StateDir, "--user",
			"../etc"}, "user name"},
		"unknown environment": {[]string{"--url", d.Server.URL, "--state-dir", d.StateDir,
			"--environment", "prod"}, "unknown environment"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := run(t, append([]string{"keygen", "--config", cfg}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error with %q, got %v\n%s", tc.want, err, out)
			}
			if _, err := os.Stat(cfg); err == nil {
				t.Error("a failed keygen wrote the config")
			}
		})
	}
}

func TestServeRefusesABadDaemonConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("audit:\n  no-such-rule: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "serve", "--listen", "127.0.0.1:0", "--state-dir", t.TempDir(),
		"--daemon-config", cfg)
	if err == nil || !strings.Contains(err.Error(), "no-such-rule") ||
		!strings.Contains(err.Error(), "known rules are") {
		t.Fatalf("serve with a bad config: %v\n%s", err, out)
	}
}

// Client commands keep one key per user: switching SPINLOCAL_USER back and forth reuses
// each user's key instead of minting a new one every time.
func TestClientKeysPerUser(t *testing.T) {
	d := apitest.StartClean(t)
	keyOf := func(user string) string {
		t.Helper()
		t.Setenv("SPINLOCAL_USER", user)
		cl, err := connect(t.Context(), d.Server.URL, d.StateDir, "dev-cattle")
		if err != nil {
			t.Fatal(err)
		}
		return cl.AccessKey
	}
	alice, bob := keyOf("alice"), keyOf("bob")
	if alice == bob {
		t.Fatal("two users share a key")
	}
	if again := keyOf("alice"); again != alice {
		t.Fatalf("alice got a new key %s after bob's, want %s again", again, alice)
	}
	if again := keyOf("bob"); again != bob {
		t.Fatalf("bob got a new key %s, want %s again", again, bob)
	}
}
