package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/proxy"
)

// idleStack is a compose file of one idle service, web.
func idleStack() string {
	return "version: '2'\nservices:\n  web:\n    image: " + apitest.Image() +
		"\n    command: " + apitest.IdleCommand + "\n"
}

func hostnames(entries []emulator.ProxyEntry) string {
	var names []string
	for _, e := range entries {
		names = append(names, e.Hostname)
	}
	return strings.Join(names, ",")
}

// proxy add, ls and rm keep the proxy file and the daemon in step, and a refused entry
// leaves the file as it was.
func TestProxyCommandsKeepFileAndDaemonInStep(t *testing.T) {
	d := apitest.StartClean(t)
	requireImages(t, d, apitest.Image())
	dir := filepath.Join(t.TempDir(), "pxcli")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	compose := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(compose, []byte(idleStack()), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"--url", d.Server.URL, "--state-dir", d.StateDir}
	if out, err := run(t, append([]string{"up", "-d", "-f", compose}, common...)...); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	file := filepath.Join(dir, proxy.FileName)
	withFile := append([]string{"--proxy-file", file}, common...)

	// Options typed after the host name get a message saying where they go.
	_, err := run(t, append(append([]string{"proxy", "add"}, withFile...), "Web.localhost",
		"--service", "web", "--port", "8080")...)
	if err == nil || !strings.Contains(err.Error(), "options go before HOSTNAME") {
		t.Fatalf("options after the host name: %v", err)
	}
	out, err := run(t, append(append([]string{"proxy", "add"}, withFile...), "--service",
		"web", "--port", "8080", "Web.localhost")...)
	if err != nil || !strings.Contains(out, "Saved web.localhost -> pxcli/web:8080") {
		t.Fatalf("proxy add: %v\n%s", err, out)
	}
	entries, err := proxy.ReadFile(file)
	if err != nil || len(entries) != 1 || entries[0].Stack != "" ||
		entries[0].Hostname != "web.localhost" {
		t.Fatalf("file after add: %+v %v", entries, err)
	}
	if got := hostnames(d.Emu.ProxyEntries()); got != "web.localhost" {
		t.Fatalf("daemon after add: %s", got)
	}
	before, _ := os.ReadFile(file)
	for _, bad := range [][]string{
		{"--service", "nosuch", "--port", "80", "b.localhost"},
		{"--service", "web", "--port", "80", "under_score.localhost"},
		{"--service", "web", "--port", "80", "--tls", "sometimes", "c.localhost"},
	} {
		out, err := run(t, append(append([]string{"proxy", "add"}, bad...), withFile...)...)
		if err == nil {
			t.Fatalf("proxy add %v was accepted:\n%s", bad, out)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatalf("a refused add changed the file:\n%s", after)
	}
	out, err = run(t, append([]string{"proxy", "ls"}, withFile...)...)
	if err != nil || !strings.Contains(out, "dev-cattle/pxcli/web:8080") {
		t.Fatalf("proxy ls: %v\n%s", err, out)
	}
	out, err = run(t, append(append([]string{"proxy", "rm"}, withFile...), "web.localhost")...)
	if err != nil || !strings.Contains(out, "no longer serves web.localhost") ||
		!strings.Contains(out, "Removed web.localhost from") {
		t.Fatalf("proxy rm: %v\n%s", err, out)
	}
	if got := hostnames(d.Emu.ProxyEntries()); got != "" {
		t.Fatalf("daemon after rm: %s", got)
	}
	_, err = run(t, append(append([]string{"proxy", "rm"}, withFile...), "web.localhost")...)
	if err == nil || !strings.Contains(err.Error(), "no proxy entry for web.localhost") {
		t.Fatalf("second rm: %v", err)
	}
}

// A malformed proxy file stops up before anything is made.
func TestUpRefusesAMalformedProxyFile(t *testing.T) {
	d := apitest.StartClean(t)
	dir := filepath.Join(t.TempDir(), "pxbad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	compose := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(compose, []byte(idleStack()), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := "proxy:\n  - hostname: a.localhost\n    service: web\n    port: eighty\n"
	if err := os.WriteFile(filepath.Join(dir, proxy.FileName), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "up", "-d", "-f", compose, "--url", d.Server.URL, "--state-dir",
		d.StateDir)
	if err == nil || !strings.Contains(err.Error(), proxy.FileName) ||
		!strings.Contains(err.Error(), "nothing was deployed") {
		t.Fatalf("up with a bad proxy file: %v\n%s", err, out)
	}
	if stacks, err := d.Client.List(t.Context(), "stacks", nil); err != nil || len(stacks) != 0 {
		t.Fatalf("stacks after a refused up: %d %v", len(stacks), err)
	}
}

// While up runs in the foreground, a change of the proxy file applies, and a bad one
// leaves the proxy as it was.
func TestReloadAppliesTheProxyFileAndKeepsTheLastGood(t *testing.T) {
	d := apitest.StartClean(t)
	r := newWatchRig(t, d, "pxwatch", idleStack())
	file := filepath.Join(r.dir, proxy.FileName)
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.start(&watcher{proxy: &proxyPlan{path: file}})
	write("proxy:\n  - {hostname: one.localhost, service: web, port: 8080}\n")
	r.expect("reload: .*applied, 1 proxy entries")
	if got := hostnames(d.Emu.ProxyEntries()); got != "one.localhost" {
		t.Fatalf("entries: %s", got)
	}
	write("proxy:\n  - {hostname: one.localhost, service: web, port: [}\n")
	r.expect("reload: .*the proxy keeps its entries as they were")
	write("proxy:\n  - {hostname: two.localhost, service: nosuch, port: 8080}\n")
	r.expect("reload: .*has no service nosuch.*the proxy keeps its entries as they were")
	if got := hostnames(d.Emu.ProxyEntries()); got != "one.localhost" {
		t.Fatalf("entries after bad files: %s", got)
	}
	write("proxy:\n  - {hostname: two.localhost, service: web, port: 8080}\n")
	r.expect("reload: .*applied, 1 proxy entries")
	if got := hostnames(d.Emu.ProxyEntries()); got != "two.localhost" {
		t.Fatalf("entries after a good change: %s", got)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	r.expect("reload: .*was deleted; the stack's proxy entries are cleared")
	if got := hostnames(d.Emu.ProxyEntries()); got != "" {
		t.Fatalf("entries after the file was deleted: %s", got)
	}
}

// One save that renames a service in the compose file and in the proxy file is applied
// stack first, so the entry finds its new service.
func TestReloadAppliesTheStackBeforeTheProxy(t *testing.T) {
	d := apitest.StartClean(t)
	r := newWatchRig(t, d, "pxorder", idleStack())
	file := filepath.Join(r.dir, proxy.FileName)
	r.start(&watcher{proxy: &proxyPlan{path: file}})
	renamed := strings.Replace(idleStack(), "  web:", "  webnew:", 1)
	r.save(renamed)
	if err := os.WriteFile(file, []byte(
		"proxy:\n  - {hostname: new.localhost, service: webnew, port: 8080}\n"),
		0o644); err != nil {
		t.Fatal(err)
	}
	r.expect("reload: .*applied, 1 proxy entries")
	if got := d.Emu.ProxyEntries(); len(got) != 1 || got[0].Service != "webnew" {
		t.Fatalf("entries: %+v", got)
	}
}

// A proxy file saved before the compose file that adds its service is applied again once
// the stack has changed.
func TestReloadRetriesAProxyFileAfterTheStackChanges(t *testing.T) {
	d := apitest.StartClean(t)
	r := newWatchRig(t, d, "pxretry", idleStack())
	file := filepath.Join(r.dir, proxy.FileName)
	r.start(&watcher{proxy: &proxyPlan{path: file}})
	if err := os.WriteFile(file, []byte(
		"proxy:\n  - {hostname: later.localhost, service: later, port: 8080}\n"),
		0o644); err != nil {
		t.Fatal(err)
	}
	r.expect("reload: .*has no service later.*tried again")
	r.save(idleStack() + "  later:\n    image: " + apitest.Image() + "\n    command: " +
		apitest.IdleCommand + "\n")
	r.expect("reload: .*applied, 1 proxy entries")
	if got := d.Emu.ProxyEntries(); len(got) != 1 || got[0].Service != "later" {
		t.Fatalf("entries: %+v", got)
	}
}
