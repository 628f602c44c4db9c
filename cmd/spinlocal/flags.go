package main

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// defaultListen is loopback on a port that no Spin firewall list opens, so no stack a user
// ports from Spin can collide with the daemon.
const defaultListen = "127.0.0.1:17680"

// defaultStateDir is $XDG_DATA_HOME/spinlocal, or ~/.local/share/spinlocal.
func defaultStateDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "spinlocal")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "spinlocal")
	}
	return filepath.Join(home, ".local", "share", "spinlocal")
}

func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", EnvVars: []string{"SPINLOCAL_STATE_DIR"},
		Value: defaultStateDir(), Usage: "where the daemon keeps its database and keys"}
}

func urlFlag() cli.Flag {
	return &cli.StringFlag{Name: "url", EnvVars: []string{"SPINLOCAL_URL"},
		Value: "http://" + defaultListen, Usage: "address of the spinlocal daemon"}
}

func environmentFlag() cli.Flag {
	return &cli.StringFlag{Name: "environment", Aliases: []string{"e"},
		EnvVars: []string{"SPINLOCAL_ENVIRONMENT"}, Value: "dev-cattle",
		Usage: "environment: dev-cattle, prod-cattle, sandbox, one made with rancher env " +
			"create, or its id"}
}

func logLevelFlag() cli.Flag {
	return &cli.StringFlag{Name: "log-level", EnvVars: []string{"SPINLOCAL_LOG_LEVEL"},
		Value: "info", Usage: "debug, info, warn or error"}
}
