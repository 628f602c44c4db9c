// Command spinlocal runs NERSC Spin (Rancher 1.6 / Cattle) on a laptop: a daemon that serves
// the Cattle API the Rancher CLI v0.6 speaks and runs stacks on the local Docker engine, and
// client commands that deploy compose projects through that API.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "spinlocal:", err)
		os.Exit(1)
	}
}

// newApp builds the command tree.
func newApp() *cli.App {
	return &cli.App{
		Name:    "spinlocal",
		Usage:   "run NERSC Spin stacks locally, for the Rancher CLI v0.6 and for CI",
		Version: version,
		Commands: []*cli.Command{
			serveCommand(),
			keygenCommand(),
			upCommand(),
			downCommand(),
			auditCommand(),
			execCommand(),
			gpfsCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}
