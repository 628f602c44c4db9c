package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// ensureDaemon starts `spinlocal serve` in the background when nothing answers at base.
// Its log goes to daemon.log in the state dir.
func ensureDaemon(ctx context.Context, base, stateDir string) error {
	if client.Healthy(ctx, base) {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--url %q is not an http://HOST:PORT address", base)
	}
	if !loopback(u.Hostname()) {
		return fmt.Errorf("no spinlocal daemon answers at %s, and spinlocal starts one by "+
			"itself only on a loopback address; to serve beyond this machine start it "+
			"yourself: spinlocal serve --listen %s", base, u.Host)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the spinlocal binary: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	logPath := filepath.Join(stateDir, "daemon.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open daemon log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(self, "serve", "--listen", u.Host, "--state-dir", stateDir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for !client.Healthy(ctx, base) {
		select {
		case err := <-exited:
			return fmt.Errorf("the daemon exited at start (%v): %s (full log: %s)", err,
				lastLine(logPath), logPath)
		case <-deadline:
			return fmt.Errorf("the daemon did not answer at %s within 30s; its log is %s",
				base, logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	fmt.Fprintf(os.Stderr, "Started spinlocal daemon at %s, pid %d (log: %s; stop it with "+
		"kill %d)\n", base, cmd.Process.Pid, logPath, cmd.Process.Pid)
	return nil
}

// clientKey is the key spinlocal's own commands use, kept in the state dir.
type clientKey struct {
	User      string `json:"user,omitempty"`
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// clientUser is who spinlocal's client commands act as: SPINLOCAL_USER (keygen's --user
// twin), else the login name. With a users list in the daemon config it must be listed.
func clientUser() string {
	if u := os.Getenv("SPINLOCAL_USER"); u != "" {
		return u
	}
	return loginName()
}

// clientKeys are the keys client commands made, one per user, in client-key.json. An
// older file held one key with its user; it is read as that user's.
type clientKeys struct {
	clientKey
	Users map[string]clientKey `json:"users,omitempty"`
}

// connect returns a client with a working key for the daemon at base, minting one (with
// the admin token in stateDir) when this user has none or the old one is refused.
func connect(ctx context.Context, base, stateDir, env string) (*client.Client, error) {
	path := filepath.Join(stateDir, "client-key.json")
	var keys clientKeys
	if raw, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(raw, &keys)
	}
	if keys.Users == nil {
		keys.Users = map[string]clientKey{}
	}
	if keys.AccessKey != "" {
		if _, ok := keys.Users[keys.User]; !ok {
			keys.Users[keys.User] = keys.clientKey
		}
	}
	user := clientUser()
	k, ok := keys.Users[user]
	if !ok && keys.User == "" && keys.AccessKey != "" {
		k, ok = keys.clientKey, true // a key saved without its user
	}
	if ok && k.AccessKey != "" {
		cl := client.New(base, k.AccessKey, k.SecretKey)
		err := cl.UseEnvironment(ctx, env)
		var apiErr *client.Error
		if err == nil || !errors.As(err, &apiErr) || apiErr.Status != 401 {
			return cl, err
		}
	}
	tok, err := os.ReadFile(emulator.AdminTokenPath(stateDir))
	if err != nil {
		return nil, fmt.Errorf("no key for the daemon at %s and no admin token to make "+
			"one (%w); pass the daemon's --state-dir", base, err)
	}
	k = clientKey{User: user}
	k.AccessKey, k.SecretKey, err = client.MintKey(ctx, base, string(tok), user)
	if err != nil {
		return nil, fmt.Errorf("%w (client commands act as SPINLOCAL_USER, else your login "+
			"name)", err)
	}
	keys.Users[user] = k
	keys.clientKey = clientKey{}
	raw, _ := json.Marshal(keys)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, fmt.Errorf("save client key: %w", err)
	}
	cl := client.New(base, k.AccessKey, k.SecretKey)
	return cl, cl.UseEnvironment(ctx, env)
}

// loopback reports whether host names this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// lastLine returns the last non-empty line of a log file: why a daemon stopped.
func lastLine(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "no log"
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
