package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/proxy"
)

func proxyFileFlag() cli.Flag {
	return &cli.StringFlag{Name: "proxy-file", EnvVars: []string{"SPINLOCAL_PROXY_FILE"},
		Usage: "reverse proxy entries (default: " + proxy.FileName + " beside the compose " +
			"file, or in the current folder)"}
}

// projectProxyFile is the proxy file of a compose project: --proxy-file, else the one
// beside its first compose file.
func projectProxyFile(c *cli.Context, p *compose.Project) string {
	if f := c.String("proxy-file"); f != "" {
		return absPath(f)
	}
	dir := p.Dir
	if len(p.Files) > 0 {
		dir = filepath.Dir(p.Files[0])
	}
	return filepath.Join(dir, proxy.FileName)
}

func absPath(f string) string {
	if abs, err := filepath.Abs(f); err == nil {
		return abs
	}
	return f
}

// proxyPlan is a project's proxy file, read before anything is deployed.
type proxyPlan struct {
	path    string
	entries []proxy.Entry
}

// readProxyPlan reads a project's proxy file; a bad one stops the deploy before it starts.
func readProxyPlan(c *cli.Context, p *compose.Project) (*proxyPlan, error) {
	path := projectProxyFile(c, p)
	entries, err := proxy.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing was deployed", err)
	}
	return &proxyPlan{path: path, entries: entries}, nil
}

// apply makes the daemon's entries for the stack those of the file, and sets entries the
// file gives for other stacks one by one. Without a file it leaves the daemon's entries
// alone. It returns the entries in force.
func (pp *proxyPlan) apply(ctx context.Context, cl *client.Client, stack string) (
	[]emulator.ProxyEntry, error) {
	if _, err := os.Stat(pp.path); err != nil && len(pp.entries) == 0 {
		return nil, nil
	}
	return pp.applyAfter(ctx, cl, stack, nil)
}

// applyAfter applies the file as apply does, also without a file (no entries), and
// removes the entries for other stacks that prev had and the file no longer has.
func (pp *proxyPlan) applyAfter(ctx context.Context, cl *client.Client, stack string,
	prev *proxyPlan) ([]emulator.ProxyEntry, error) {
	var own, others []emulator.ProxyRequest
	kept := map[string]bool{}
	for _, e := range pp.entries {
		req := entryRequest(e, stack)
		kept[req.Hostname] = true
		if req.Stack == stack {
			own = append(own, req)
		} else {
			others = append(others, req)
		}
	}
	set, err := cl.SyncProxy(ctx, stack, own)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pp.path, err)
	}
	for _, req := range others {
		e, err := cl.SetProxy(ctx, req)
		if err != nil {
			return set, fmt.Errorf("%s: %s: %w", pp.path, req.Hostname, err)
		}
		set = append(set, e)
	}
	if prev == nil {
		return set, nil
	}
	for _, e := range prev.entries {
		req := entryRequest(e, stack)
		if req.Stack == stack || kept[req.Hostname] {
			continue
		}
		if err := cl.RemoveProxy(ctx, req.Hostname); err != nil && !client.IsNotFound(err) {
			return set, fmt.Errorf("%s: remove %s: %w", pp.path, req.Hostname, err)
		}
	}
	return set, nil
}

// entryRequest turns a file entry into a request, the file's stack by default.
func entryRequest(e proxy.Entry, stack string) emulator.ProxyRequest {
	if e.Stack != "" {
		stack = e.Stack
	}
	return emulator.ProxyRequest{Hostname: e.Hostname, Stack: stack, Service: e.Service,
		Port: int(e.Port), TLS: e.TLS}
}

// printProxyURLs says where each entry is served and, once, how to trust the CA.
func printProxyURLs(ctx context.Context, cl *client.Client, out io.Writer,
	set []emulator.ProxyEntry) {
	if len(set) == 0 {
		return
	}
	list, err := cl.Proxy(ctx)
	if err != nil {
		fmt.Fprintf(out, "proxy: %v\n", err)
		return
	}
	tls := false
	for _, e := range set {
		u := list.Proxy.URL(e)
		if u == "" {
			fmt.Fprintf(out, "%s/%s: %s (the daemon's proxy is off)\n", e.Stack, e.Service,
				e.Hostname)
			continue
		}
		fmt.Fprintf(out, "%s/%s: %s (reverse proxy)\n", e.Stack, e.Service, u)
		tls = tls || (list.Proxy.HTTPS != "" && e.TLS == emulator.ProxyTerminate)
	}
	if tls {
		fmt.Fprintf(out, "The proxy's certificates are signed by spinlocal's CA, %s "+
			"(spinlocal proxy ca says how to trust it)\n", list.Proxy.CAPath)
	}
}

// proxyEnv holds SPINLOCAL_<SERVICE>_PROXY_URL for each proxied service (its first entry),
// and the proxy's HTTPS address and CA file as SPINLOCAL_PROXY_HTTPS and
// SPINLOCAL_PROXY_CA, for a command that `run` starts.
func proxyEnv(ctx context.Context, cl *client.Client, set []emulator.ProxyEntry) []string {
	if len(set) == 0 {
		return nil
	}
	list, err := cl.Proxy(ctx)
	if err != nil {
		return nil
	}
	var env []string
	seen := map[string]bool{}
	for _, e := range set {
		key := "SPINLOCAL_" + upperSnake(e.Service) + "_PROXY_URL"
		if u := list.Proxy.URL(e); u != "" && !seen[key] {
			seen[key] = true
			env = append(env, key+"="+u)
		}
	}
	if list.Proxy.HTTPS != "" {
		env = append(env, "SPINLOCAL_PROXY_HTTPS="+list.Proxy.HTTPS,
			"SPINLOCAL_PROXY_CA="+list.Proxy.CAPath)
	}
	sort.Strings(env)
	return env
}
