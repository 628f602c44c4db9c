package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/fakeapi"
	"github.com/spinlocal/spinlocal/proxy"
)

// Default proxy ports: Spin's proxy has 80 and 443, which need root on a laptop; these
// are outside every Spin firewall list, so no ported stack collides with them.
const (
	defaultProxyHTTP  = "127.0.0.1:17080"
	defaultProxyHTTPS = "127.0.0.1:17443"
)

func proxyListenFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "proxy-http-listen", EnvVars: []string{
			"SPINLOCAL_PROXY_HTTP_LISTEN"}, Value: defaultProxyHTTP,
			Usage: `where the reverse proxy serves HTTP ("" turns it off)`},
		&cli.StringFlag{Name: "proxy-https-listen", EnvVars: []string{
			"SPINLOCAL_PROXY_HTTPS_LISTEN"}, Value: defaultProxyHTTPS,
			Usage: `where the reverse proxy serves HTTPS ("" turns it off)`},
	}
}

// startProxy runs the reverse proxy for the daemon's entries until ctx ends and tells the
// API where it is. Both addresses empty turn it off.
func startProxy(ctx context.Context, c *cli.Context, emu *emulator.Emulator,
	api *fakeapi.Server, log *slog.Logger) (*proxy.Server, error) {
	httpAddr, httpsAddr := c.String("proxy-http-listen"), c.String("proxy-https-listen")
	if httpAddr == "" && httpsAddr == "" {
		return nil, nil
	}
	cfg := proxy.Config{HTTPAddr: httpAddr, HTTPSAddr: httpsAddr, Table: emu, Log: log}
	if httpsAddr != "" {
		ca, err := proxy.LoadCA(filepath.Join(c.String("state-dir"), "proxy"))
		if err != nil {
			return nil, err
		}
		cfg.CA = ca
	}
	srv, err := proxy.Start(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w (set --proxy-http-listen and --proxy-https-listen, or "+
			"SPINLOCAL_PROXY_HTTP_LISTEN and SPINLOCAL_PROXY_HTTPS_LISTEN, to free ports, "+
			`or "" to turn the proxy off)`, err)
	}
	info := fakeapi.ProxyInfo{}
	if a := srv.HTTPAddr(); a != nil {
		info.HTTP = a.String()
	}
	if a := srv.HTTPSAddr(); a != nil {
		info.HTTPS, info.CAPath, info.CAPEM = a.String(), cfg.CA.CertPath(), cfg.CA.CertPEM()
	}
	api.SetProxy(info)
	log.Info("reverse proxy ready", "http", info.HTTP, "https", info.HTTPS, "ca", info.CAPath)
	return srv, nil
}
