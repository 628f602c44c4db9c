// Command spinlocal runs NERSC Spin (Rancher 1.6 / Cattle) on a laptop: a daemon that serves
// the Cattle API the Rancher CLI v0.6 speaks and runs stacks on the local Docker engine, and
// client commands that deploy compose projects through that API.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(exitCode(newApp().Run(os.Args), os.Stderr))
}

// exitCode prints err and returns the process status for it: the code of a cli.ExitCoder
// (whose message may be empty, as when `run` passes on its command's status), else 1.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, "spinlocal:", msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(stderr, "spinlocal:", err)
	return 1
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
			runCommand(),
			statusCommand(),
			resetCommand(),
			dnsCommand(),
			proxyCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "spinlocal: there is no command %q; spinlocal "+
				"--help lists them\n", name)
			cli.OsExiter(1)
		},
	}
}
