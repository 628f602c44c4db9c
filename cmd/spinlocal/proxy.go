package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/proxy"
)

func proxyCommand() *cli.Command {
	common := func(extra ...cli.Flag) []cli.Flag {
		return append(extra, proxyFileFlag(), environmentFlag(), urlFlag(), stateDirFlag())
	}
	return &cli.Command{
		Name: "proxy",
		Usage: "manage reverse proxy entries (Spin's perimeter proxy: a host name served " +
			"over HTTPS and HTTP by a service's containers)",
		Subcommands: []*cli.Command{{
			Name:      "add",
			Usage:     "serve a host name from a service's port; saved in the proxy file",
			ArgsUsage: "HOSTNAME",
			Flags: common(
				&cli.StringFlag{Name: "service", EnvVars: []string{"SPINLOCAL_SERVICE"},
					Usage: "service that serves the name (required)"},
				&cli.IntFlag{Name: "port", EnvVars: []string{"SPINLOCAL_PORT"},
					Usage: "the service's listening port (required)"},
				&cli.StringFlag{Name: "tls", EnvVars: []string{"SPINLOCAL_TLS"},
					Value: emulator.ProxyTerminate, Usage: "terminate (HTTPS with " +
						"spinlocal's CA, HTTP to the service) or passthrough (the service " +
						"terminates TLS; routed by SNI name)"},
				&cli.StringFlag{Name: "stack", Aliases: []string{"s"},
					EnvVars: []string{"SPINLOCAL_STACK"},
					Usage:   "stack of the service (default: the proxy file's folder name)"}),
			Action: runProxyAdd,
		}, {
			Name:      "rm",
			Usage:     "stop serving a host name and drop it from the proxy file",
			ArgsUsage: "HOSTNAME",
			Flags:     common(),
			Action:    runProxyRm,
		}, {
			Name:   "ls",
			Usage:  "list the daemon's proxy entries and those of the proxy file",
			Flags:  common(),
			Action: runProxyLs,
		}, {
			Name:  "ca",
			Usage: "say where spinlocal's CA certificate is and how to trust it",
			Flags: []cli.Flag{&cli.BoolFlag{Name: "pem", EnvVars: []string{"SPINLOCAL_PEM"},
				Usage: "print the certificate itself"}, environmentFlag(), urlFlag(),
				stateDirFlag()},
			Action: runProxyCA,
		}},
	}
}

// proxyFilePath is --proxy-file or spin-proxy.yml in the current folder.
func proxyFilePath(c *cli.Context) string {
	if f := c.String("proxy-file"); f != "" {
		return absPath(f)
	}
	return absPath(proxy.FileName)
}

// oneHostname reads the single HOSTNAME argument.
func oneHostname(c *cli.Context) (string, error) {
	args := c.Args().Slice()
	for _, a := range args[min(1, len(args)):] {
		if strings.HasPrefix(a, "-") {
			return "", fmt.Errorf("%s: options go before HOSTNAME (spinlocal proxy %s "+
				"[options] HOSTNAME)", a, c.Command.Name)
		}
	}
	if len(args) != 1 {
		return "", fmt.Errorf("want one HOSTNAME, e.g. spinlocal proxy %s myapp.localhost",
			c.Command.Name)
	}
	return strings.ToLower(strings.TrimSuffix(args[0], ".")), nil
}

// daemonClient connects to a daemon that answers, or returns nil when none does.
func daemonClient(c *cli.Context) (*client.Client, error) {
	base := strings.TrimRight(c.String("url"), "/")
	if !client.Healthy(c.Context, base) {
		return nil, nil
	}
	return connect(c.Context, base, c.String("state-dir"), c.String("environment"))
}

func runProxyAdd(c *cli.Context) error {
	host, err := oneHostname(c)
	if err != nil {
		return err
	}
	if c.String("service") == "" || !c.IsSet("port") {
		return fmt.Errorf("proxy add needs --service and --port, as in spinlocal proxy add "+
			"--service web --port 8080 %s", host)
	}
	path := proxyFilePath(c)
	if _, err := proxy.ReadFile(path); err != nil {
		return fmt.Errorf("%w; fix the file or remove it", err)
	}
	if err := checkStackFlag(c.String("stack")); err != nil {
		return err
	}
	entry := proxy.Entry{Hostname: host, Stack: c.String("stack"),
		Service: c.String("service"), Port: proxy.Port(c.Int("port")), TLS: c.String("tls")}
	if entry.TLS == emulator.ProxyTerminate {
		entry.TLS = ""
	}
	stack := entry.Stack
	if stack == "" {
		stack = compose.NormalizeStackName(filepath.Base(filepath.Dir(path)))
	}
	req := entryRequest(entry, stack)
	if err := emulator.CheckProxyRequest(req); err != nil {
		return errors.New(emulator.AsAPIError(err).Message)
	}
	cl, err := daemonClient(c)
	if err != nil {
		return err
	}
	// The file first, so a file that cannot be written changes nothing; then the daemon,
	// and the file back as it was if the daemon refuses.
	before, err := readIfThere(path)
	if err != nil {
		return err
	}
	replaced, err := proxy.AddEntry(path, entry)
	if err != nil {
		return err
	}
	out := c.App.Writer
	var set []emulator.ProxyEntry
	target := fmt.Sprintf("%s/%s:%d", req.Stack, req.Service, req.Port)
	if cl != nil {
		e, err := cl.SetProxy(c.Context, req)
		var apiErr *client.Error
		switch {
		case errors.As(err, &apiErr) && apiErr.FieldName == "stack" && entry.Stack == "":
			// Entries without a stack belong to the stack spinlocal up deploys from the
			// file's folder, whatever its -s says.
			target = fmt.Sprintf("%s:%d of the stack spinlocal up deploys from %s",
				req.Service, req.Port, filepath.Dir(path))
			fmt.Fprintf(out, "No stack %s is deployed; the entry has no stack, so the next "+
				"spinlocal up there (or the one running) applies it to the stack it "+
				"deploys; --stack names one\n", req.Stack)
		case errors.As(err, &apiErr) && apiErr.FieldName == "stack":
			fmt.Fprintf(out, "%s; the entry takes effect at the next spinlocal up\n",
				apiErr.Message)
		case err != nil:
			if rerr := proxy.Restore(path, before); rerr != nil {
				return fmt.Errorf("proxy entry %s: %w (and %w)", host, err, rerr)
			}
			return fmt.Errorf("proxy entry %s: %w; the proxy file is unchanged", host, err)
		default:
			set = append(set, e)
		}
	}
	if replaced != nil {
		fmt.Fprintf(out, "Replaced %s -> %s/%s:%d\n", host, stackOr(replaced.Stack, stack),
			replaced.Service, replaced.Port)
	}
	fmt.Fprintf(out, "Saved %s -> %s in %s\n", host, target, path)
	if cl == nil {
		fmt.Fprintln(out, "No daemon answers; the entry takes effect at the next spinlocal up")
	}
	printProxyURLs(c.Context, cl, out, set)
	return nil
}

func stackOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readIfThere reads a file, nil when there is none.
func readIfThere(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return raw, nil
}

func runProxyRm(c *cli.Context) error {
	host, err := oneHostname(c)
	if err != nil {
		return err
	}
	if err := emulator.CheckProxyRequest(emulator.ProxyRequest{Hostname: host, Stack: "-",
		Service: "-", Port: 1}); err != nil {
		return errors.New(emulator.AsAPIError(err).Message)
	}
	path := proxyFilePath(c)
	if _, err := proxy.ReadFile(path); err != nil {
		return fmt.Errorf("%w; fix the file or remove it", err)
	}
	out := c.App.Writer
	found := false
	cl, err := daemonClient(c)
	if err != nil {
		return err
	}
	if cl != nil {
		err := cl.RemoveProxy(c.Context, host)
		switch {
		case client.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("proxy entry %s: %w; the proxy file is unchanged", host, err)
		default:
			found = true
			fmt.Fprintf(out, "The proxy no longer serves %s\n", host)
		}
	}
	inFile, err := proxy.RemoveEntry(path, host)
	if err != nil {
		return err
	}
	if inFile {
		found = true
		fmt.Fprintf(out, "Removed %s from %s\n", host, path)
	}
	if !found {
		return fmt.Errorf("no proxy entry for %s in %s or the daemon (spinlocal proxy ls "+
			"lists them)", host, path)
	}
	return nil
}

func runProxyLs(c *cli.Context) error {
	path := proxyFilePath(c)
	entries, ferr := proxy.ReadFile(path)
	cl, err := daemonClient(c)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "HOSTNAME\tTARGET\tTLS\tBACKENDS\tURL")
	live := map[string]bool{}
	if cl != nil {
		list, err := cl.Proxy(c.Context)
		if err != nil {
			return err
		}
		for _, e := range list.Entries {
			live[e.Hostname] = true
			fmt.Fprintf(w, "%s\t%s/%s/%s:%d\t%s\t%d\t%s\n", e.Hostname, e.Environment,
				e.Stack, e.Service, e.Port, e.TLS, e.Backends, list.Proxy.URL(e))
		}
	}
	for _, e := range entries {
		if live[e.Hostname] {
			continue
		}
		// An entry without a stack is for the stack spinlocal up deploys from the file's
		// folder, which -s may name: only up knows it.
		r := entryRequest(e, "(up's stack)")
		tls := r.TLS
		if tls == "" {
			tls = emulator.ProxyTerminate
		}
		fmt.Fprintf(w, "%s\t%s/%s:%d\t%s\t-\tnot applied (in %s; spinlocal up applies it)\n",
			r.Hostname, r.Stack, r.Service, r.Port, tls, filepath.Base(path))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if cl == nil {
		fmt.Fprintln(c.App.ErrWriter, "No daemon answers; only the proxy file is listed")
	}
	if ferr != nil {
		return fmt.Errorf("%w; its entries are not listed", ferr)
	}
	return nil
}

// caTrustHelp says how to trust the CA on the usual systems.
const caTrustHelp = `spinlocal's CA certificate: %[1]s
It signs the certificates of the proxy's HTTPS side (only this daemon has its key), for
any host name a key holder of this daemon adds: trust it system-wide only on a machine
whose daemon you alone use; curl --cacert trusts it for one command only.

Trust it for one command:
  curl --cacert %[1]s https://HOSTNAME:PORT/
Trust it system-wide:
  Debian/Ubuntu: sudo cp %[1]s /usr/local/share/ca-certificates/spinlocal.crt &&
                 sudo update-ca-certificates
  Fedora/RHEL:   sudo cp %[1]s /etc/pki/ca-trust/source/anchors/spinlocal.pem &&
                 sudo update-ca-trust
  macOS:         sudo security add-trusted-cert -d -r trustRoot \
                   -k /Library/Keychains/System.keychain %[1]s
Browsers with their own store (Firefox): Settings, Certificates, Import.
`

func runProxyCA(c *cli.Context) error {
	base := strings.TrimRight(c.String("url"), "/")
	if err := requireDaemon(c.Context, base); err != nil {
		return err
	}
	pem, err := client.New(base, "", "").ProxyCA(c.Context)
	if err != nil {
		return fmt.Errorf("%w (is the daemon's HTTPS proxy off? see --proxy-https-listen)",
			err)
	}
	if c.Bool("pem") {
		_, err = c.App.Writer.Write(pem)
		return err
	}
	// The daemon's own copy, when this user can read it; else the user saves one.
	path := ""
	if cl, err := daemonClient(c); err == nil && cl != nil {
		if list, err := cl.Proxy(c.Context); err == nil {
			path = list.Proxy.CAPath
		}
	}
	if onDisk, err := os.ReadFile(path); path == "" || err != nil ||
		string(onDisk) != string(pem) {
		fmt.Fprintf(c.App.Writer, "The daemon's CA file cannot be read here; save its "+
			"certificate first:\n  spinlocal proxy ca --pem > spinlocal-ca.pem\n\n")
		path = "spinlocal-ca.pem"
	}
	fmt.Fprintf(c.App.Writer, caTrustHelp, path)
	return nil
}
