package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the daemon in the foreground (logs to stderr)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "listen", EnvVars: []string{"SPINLOCAL_LISTEN"},
				Value: defaultListen, Usage: "address for the Cattle API (loopback by default)"},
			stateDirFlag(),
			&cli.StringFlag{Name: "network-prefix", EnvVars: []string{"SPINLOCAL_NETWORK_PREFIX"},
				Value: "spinlocal", Usage: "Docker networks are named PREFIX-ENVIRONMENT"},
			&cli.StringFlag{Name: "daemon-config", EnvVars: []string{"SPINLOCAL_DAEMON_CONFIG"},
				Usage: "site config (audit levels, users, collaboration accounts); " +
					"default: config.yaml in the state dir, if present"},
			globalRootFlag(),
			dnsListenFlag(),
			dnsSuffixFlag(),
			logLevelFlag(),
		}, proxyListenFlags()...),
		Action: runServe,
	}
}

func runServe(c *cli.Context) error {
	log, err := newLogger(c.String("log-level"))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()

	listen := c.String("listen")
	if err := checkListen(listen, log); err != nil {
		return err
	}
	cfgPath := c.String("daemon-config")
	if cfgPath == "" {
		cfgPath = filepath.Join(c.String("state-dir"), "config.yaml")
	} else if _, err := os.Stat(cfgPath); err != nil {
		return fmt.Errorf("--daemon-config: %w", err)
	}
	policy, err := emulator.LoadPolicy(cfgPath)
	if err != nil {
		return err
	}
	eng, err := engine.NewDocker(ctx, log)
	if err != nil {
		return err
	}
	defer eng.Close()
	emu, err := emulator.Open(emulator.Config{StateDir: c.String("state-dir"), Engine: eng,
		Logger: log, NetworkPrefix: c.String("network-prefix"), Policy: policy,
		GlobalRoot: c.String("global-root")})
	if err != nil {
		return fmt.Errorf("open state in %s: %w", c.String("state-dir"), err)
	}
	defer emu.Close()

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another spinlocal running? set --listen "+
			"or SPINLOCAL_LISTEN to another port)", listen, err)
	}
	api := fakeapi.New(emu, log)
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	pidPath := filepath.Join(c.String("state-dir"), "daemon.pid")
	if err := os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", pidPath, err)
	}
	defer os.Remove(pidPath)
	dnsSrv, err := startDNS(ctx, c, emu, log)
	if err != nil {
		return err
	}
	if dnsSrv != nil {
		defer dnsSrv.Shutdown(context.Background())
	}
	proxySrv, err := startProxy(ctx, c, emu, api, log)
	if err != nil {
		return err
	}
	if proxySrv != nil {
		defer proxySrv.Close()
	}
	go emu.Run(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("spinlocal daemon ready", "url", "http://"+ln.Addr().String(),
		"stateDir", c.String("state-dir"), "daemon", emu.DaemonID())

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	return nil
}

// checkListen refuses a malformed address and warns when it is not loopback.
func checkListen(addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: want HOST:PORT, e.g. %s", addr, defaultListen)
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Warn("the API listens beyond loopback: anyone who can reach it and holds a key "+
			"can run containers on this machine", "listen", addr)
	}
	return nil
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
