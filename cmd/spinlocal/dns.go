package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"text/template"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/dnsserver"
	"github.com/spinlocal/spinlocal/emulator/dnsname"
)

// defaultDNSListen is loopback on a port next to the API's, outside Spin's firewall list.
const defaultDNSListen = "127.0.0.1:17653"

func dnsListenFlag() cli.Flag {
	return &cli.StringFlag{Name: "dns-listen", EnvVars: []string{"SPINLOCAL_DNS_LISTEN"},
		Value: defaultDNSListen,
		Usage: "UDP and TCP address of the DNS server for public service names " +
			`("" turns it off)`}
}

func dnsSuffixFlag() cli.Flag {
	return &cli.StringFlag{Name: "dns-suffix", EnvVars: []string{"SPINLOCAL_DNS_SUFFIX"},
		Value: dnsname.Suffix,
		Usage: "zone the DNS server answers, besides localhost"}
}

func dnsCommand() *cli.Command {
	return &cli.Command{
		Name:  "dns",
		Usage: "print how to send public service names to the daemon's DNS server",
		Description: "A service that publishes a port gets the public name\n" +
			"SERVICE.STACK.ENVIRONMENT.stable.spin.nersc.org, shown in its fqdn field as\n" +
			"on Spin. The daemon's DNS server answers SERVICE.STACK.ENVIRONMENT.SUFFIX\n" +
			"(SUFFIX from --dns-suffix) with 127.0.0.1, once per running container, for\n" +
			"the system resolver to use once pointed at it; this command prints how.\n" +
			"Inside containers the Spin name needs no setup: it is a network alias.\n\n" +
			"Such a service also has the twin SERVICE.STACK.ENVIRONMENT.localhost, which\n" +
			"needs no resolver setup on most systems: systemd-resolved, nss-myhostname,\n" +
			"macOS and web browsers map *.localhost to loopback.",
		Flags:  []cli.Flag{dnsListenFlag(), dnsSuffixFlag()},
		Action: runDNS,
	}
}

func runDNS(c *cli.Context) error {
	host, port, err := net.SplitHostPort(c.String("dns-listen"))
	if err != nil {
		return fmt.Errorf("--dns-listen %q: want HOST:PORT, e.g. %s: %w",
			c.String("dns-listen"), defaultDNSListen, err)
	}
	suffix, err := dnsSuffix(c)
	if err != nil {
		return err
	}
	return writeDNSHelp(c.App.Writer, dnsHelp{Host: host, Port: port, Suffix: suffix})
}

// dnsSuffix reads --dns-suffix, normalised; the root zone is refused.
func dnsSuffix(c *cli.Context) (string, error) {
	suffix := dnsname.Zone(c.String("dns-suffix"))
	if suffix == "" {
		return "", fmt.Errorf("--dns-suffix %q: want a domain, e.g. %s",
			c.String("dns-suffix"), dnsname.Suffix)
	}
	return suffix, nil
}

type dnsHelp struct {
	Host, Port, Suffix string
}

func writeDNSHelp(w io.Writer, h dnsHelp) error {
	if err := dnsHelpText.Execute(w, h); err != nil {
		return fmt.Errorf("write help: %w", err)
	}
	return nil
}

var dnsHelpText = template.Must(template.New("dns").Parse(`The daemon answers
  SERVICE.STACK.ENVIRONMENT.{{.Suffix}}
  SERVICE.STACK.ENVIRONMENT.localhost
on {{.Host}} port {{.Port}} (UDP and TCP). The localhost names usually resolve with no setup.
To resolve {{.Suffix}} names on this machine, send that domain (only) to the daemon.
While it does, real Spin names under {{.Suffix}} are answered locally; set
--dns-suffix (SPINLOCAL_DNS_SUFFIX) on serve and here to keep them apart.

Linux with systemd-resolved (systemd 246 or later; resolved takes no per-link server on
the loopback device, so this is a global setting limited to that domain), in
/etc/systemd/resolved.conf.d/spinlocal.conf:
  [Resolve]
  DNS={{.Host}}:{{.Port}}
  Domains=~{{.Suffix}}
then: sudo systemctl restart systemd-resolved

macOS, in /etc/resolver/{{.Suffix}}:
  nameserver {{.Host}}
  port {{.Port}}

Check: dig @{{.Host}} -p {{.Port}} SERVICE.STACK.ENVIRONMENT.{{.Suffix}}
`))

// startDNS serves public names until ctx ends; an empty address turns the server off.
func startDNS(ctx context.Context, c *cli.Context, model dnsserver.Model,
	log *slog.Logger) (*dnsserver.Server, error) {
	addr := c.String("dns-listen")
	if addr == "" {
		return nil, nil
	}
	suffix, err := dnsSuffix(c)
	if err != nil {
		return nil, err
	}
	s, err := dnsserver.Start(ctx, addr, model, suffix, log)
	if err != nil {
		return nil, fmt.Errorf("%w (set --dns-listen or SPINLOCAL_DNS_LISTEN to another "+
			`port, or "" to turn DNS off)`, err)
	}
	log.Info("dns server ready", "addr", s.Addr().String(),
		"zones", suffix+", localhost")
	return s, nil
}
