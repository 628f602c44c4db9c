package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func keygenCommand() *cli.Command {
	return &cli.Command{
		Name:  "keygen",
		Usage: "make an API key and write the Rancher CLI config so `rancher` talks to spinlocal",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "user", EnvVars: []string{"SPINLOCAL_USER"},
				Value: loginName(), Usage: "NERSC user name the key belongs to"},
			urlFlag(),
			&cli.StringFlag{Name: "config", EnvVars: []string{"SPINLOCAL_CONFIG"},
				Value: defaultCLIConfig(), Usage: "Rancher CLI config file to write"},
			environmentFlag(),
			stateDirFlag(),
		},
		Action: runKeygen,
	}
}

// rancherConfig is the Rancher CLI's ~/.rancher/cli.json.
type rancherConfig struct {
	AccessKey   string `json:"accessKey"`
	SecretKey   string `json:"secretKey"`
	URL         string `json:"url"`
	Environment string `json:"environment"`
}

func runKeygen(c *cli.Context) error {
	base := strings.TrimRight(c.String("url"), "/")
	name := c.String("user")
	if !client.Healthy(c.Context, base) {
		return fmt.Errorf("no spinlocal daemon answers at %s: start one with `spinlocal "+
			"serve` (or `spinlocal up`), or set --url / SPINLOCAL_URL", base)
	}
	tok, err := os.ReadFile(emulator.AdminTokenPath(c.String("state-dir")))
	if err != nil {
		return fmt.Errorf("read the daemon's admin token: %w (pass the daemon's "+
			"--state-dir or SPINLOCAL_STATE_DIR)", err)
	}
	access, secret, err := client.MintKey(c.Context, base, string(tok), name)
	if err != nil {
		return err
	}
	cl := client.New(base, access, secret)
	if err := cl.UseEnvironment(c.Context, c.String("environment")); err != nil {
		return err
	}
	cfg := rancherConfig{AccessKey: access, SecretKey: secret, URL: base + "/v2-beta/schemas",
		Environment: cl.Project}
	backup, err := writeCLIConfig(c.String("config"), cfg)
	if err != nil {
		return err
	}
	if backup != "" {
		fmt.Fprintf(c.App.Writer, "Saved the previous Rancher CLI config as %s\n", backup)
	}
	fmt.Fprintf(c.App.Writer, "Success: Spin API Key generated for %s.\n", name)
	return nil
}

// writeCLIConfig writes the Rancher CLI config (0600, directory 0700). A config that
// points somewhere else (real Spin, say) is kept beside it first.
func writeCLIConfig(path string, cfg rancherConfig) (backup string, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if old, err := os.ReadFile(path); err == nil {
		var prev rancherConfig
		if json.Unmarshal(old, &prev) != nil || !sameDaemon(prev.URL, cfg.URL) {
			backup = path + ".spinlocal-backup"
			if err := os.WriteFile(backup, old, 0o600); err != nil {
				return "", fmt.Errorf("back up %s: %w", path, err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return backup, nil
}

func sameDaemon(a, b string) bool {
	cut := func(s string) string { x, _, _ := strings.Cut(s, "/v2-beta"); return x }
	return cut(a) == cut(b)
}

func loginName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

func defaultCLIConfig() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".rancher", "cli.json")
	}
	return filepath.Join(home, ".rancher", "cli.json")
}
