package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/mounts"
)

func globalRootFlag() cli.Flag {
	return &cli.StringFlag{Name: "global-root", EnvVars: []string{"SPINLOCAL_GLOBAL_ROOT"},
		Usage: "local directory that stands for /global (GPFS); default: global in the " +
			"state dir"}
}

// gpfsCommand prepares the local stand-in for /global. It works on the file system
// directly, so the daemon need not run.
func gpfsCommand() *cli.Command {
	flags := func(more ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{globalRootFlag(), stateDirFlag()}, more...)
	}
	return &cli.Command{
		Name:  "gpfs",
		Usage: "set up the local tree that bind mounts from /global/... come from",
		Description: "Paths are written as on Spin (/global/cfs/cdirs/...) and must stay in " +
			"the tree. Containers need o+x on every directory down to a mount source, and " +
			"sources are never created for them.",
		Flags: flags(),
		Subcommands: []*cli.Command{
			{Name: "root", Usage: "print the local directory /global maps to", Flags: flags(),
				Action: gpfsRoot},
			{Name: "mkdir", Usage: "create a directory", ArgsUsage: "PATH",
				Flags: flags(&cli.BoolFlag{Name: "parents", Aliases: []string{"p"},
					EnvVars: []string{"SPINLOCAL_PARENTS"}, Usage: "create missing " +
						"parents too (0755, so they keep o+x); an existing directory is " +
						"no error"},
					&cli.StringFlag{Name: "mode", Aliases: []string{"m"}, Value: "755",
						EnvVars: []string{"SPINLOCAL_MODE"}, Usage: "permissions of the " +
							"directory named (not narrowed by the umask)"}),
				UseShortOptionHandling: true, Action: gpfsMkdir},
			{Name: "chown", Usage: "change the numeric owner (and group)",
				ArgsUsage: "UID[:GID] PATH", Flags: flags(), Action: gpfsChown},
			{Name: "chmod", Usage: "change permissions (octal, or symbolic such as o+x)",
				ArgsUsage: "MODE PATH", Flags: flags(), Action: gpfsChmod},
			{Name: "ls", Usage: "list a directory", ArgsUsage: "PATH",
				Flags: flags(&cli.BoolFlag{Name: "long", Aliases: []string{"l"},
					EnvVars: []string{"SPINLOCAL_LONG"}, Usage: "long listing: mode, " +
						"numeric owner and group, size, time"},
					&cli.BoolFlag{Name: "directory", Aliases: []string{"d"},
						EnvVars: []string{"SPINLOCAL_DIRECTORY"},
						Usage:   "describe the directory itself"}),
				UseShortOptionHandling: true, Action: gpfsLs},
		},
	}
}

// gpfsTree finds the tree from the flags given to the subcommand or to gpfs: an explicit
// root wins over a state dir, the nearest command over its parent.
func gpfsTree(c *cli.Context) mounts.Tree {
	lineage := c.Lineage()
	for _, ctx := range lineage {
		if ctx.Command != nil && ctx.IsSet("global-root") && ctx.String("global-root") != "" {
			return mounts.Tree{Root: ctx.String("global-root")}
		}
	}
	for _, ctx := range lineage {
		if ctx.Command != nil && ctx.IsSet("state-dir") {
			return mounts.Tree{Root: mounts.DefaultRoot(ctx.String("state-dir"))}
		}
	}
	return mounts.Tree{Root: mounts.DefaultRoot(c.String("state-dir"))}
}

// args checks the number of arguments against the usage line.
func args(c *cli.Context, n int) ([]string, error) {
	if c.NArg() != n {
		return nil, fmt.Errorf("usage: spinlocal gpfs %s %s", c.Command.Name,
			c.Command.ArgsUsage)
	}
	return c.Args().Slice(), nil
}

func gpfsRoot(c *cli.Context) error {
	if _, err := args(c, 0); err != nil {
		return err
	}
	_, err := fmt.Fprintln(c.App.Writer, gpfsTree(c).Root)
	return err
}

func gpfsMkdir(c *cli.Context) error {
	a, err := args(c, 1)
	if err != nil {
		return err
	}
	perm, err := mounts.ApplyMode(c.String("m"), 0)
	if err != nil {
		return fmt.Errorf("-m: %w", err)
	}
	return gpfsTree(c).Mkdir(a[0], c.Bool("p"), perm)
}

func gpfsChown(c *cli.Context) error {
	a, err := args(c, 2)
	if err != nil {
		return err
	}
	uid, gid, err := mounts.ParseOwner(a[0])
	if err != nil {
		return err
	}
	return gpfsTree(c).Chown(a[1], uid, gid)
}

func gpfsChmod(c *cli.Context) error {
	a, err := args(c, 2)
	if err != nil {
		return err
	}
	return gpfsTree(c).Chmod(a[1], a[0])
}

func gpfsLs(c *cli.Context) error {
	a, err := args(c, 1)
	if err != nil {
		return err
	}
	list, err := gpfsTree(c).List(a[0], c.Bool("d"))
	if err != nil {
		return err
	}
	return writeListing(c.App.Writer, list, c.Bool("l"))
}

// writeListing prints names, or ls -l style lines with numeric owners.
func writeListing(w io.Writer, list []mounts.Entry, long bool) error {
	for _, e := range list {
		var err error
		if long {
			_, err = fmt.Fprintf(w, "%s %6d %6d %8d %s %s\n", mounts.LongMode(e.Mode),
				e.UID, e.GID, e.Size, e.ModTime.Format("Jan _2 15:04"), e.Name)
		} else {
			_, err = fmt.Fprintln(w, e.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
