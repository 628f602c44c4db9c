package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// watchQuiet is how long the files must stay quiet before a reload: one editor save is
// often several events (write a temporary file, rename it over the old one, chmod).
const watchQuiet = 300 * time.Millisecond

// watchRecheck is how often the watcher looks for folders that vanished.
const watchRecheck = time.Second

// watchSourcesFlag is up's opt-in for restarting services when their sources change.
func watchSourcesFlag() cli.Flag {
	return &cli.BoolFlag{Name: "watch-sources", EnvVars: []string{"SPINLOCAL_WATCH_SOURCES"},
		Usage: "in the foreground, also restart a service when files change in a project " +
			"folder it bind-mounts"}
}

// startWatch runs the file watcher of a foreground `up` until ctx ends and returns a
// function that waits for it to finish.
func startWatch(ctx context.Context, c *cli.Context, cl *client.Client, out io.Writer,
	plan *proxyPlan) func() {
	w := &watcher{cl: cl, out: out, sources: c.Bool("watch-sources"), proxy: plan,
		load: compose.Options{Files: c.StringSlice("file"),
			RancherFile: c.String("rancher-file"), EnvFiles: c.StringSlice("env-file"),
			ProjectName: c.String("stack")},
		reload: client.ReloadOptions{Settle: c.Duration("timeout")}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.run(ctx); err != nil {
			fmt.Fprintf(out, "reload: %v; the stack runs on without watching its files\n", err)
		}
	}()
	return func() { <-done }
}

// watchProject keeps the deployed stack of the project that opts load in step with its
// files until ctx ends, printing one line per action to out.
func watchProject(ctx context.Context, cl *client.Client, opts compose.Options,
	out io.Writer) error {
	return (&watcher{cl: cl, load: opts, out: out}).run(ctx)
}
