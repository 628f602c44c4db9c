package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "check a compose project against Spin's rules offline, as the daemon does",
		Description: "Runs the audit the daemon applies to every create and upgrade, without " +
			"a daemon. Exits with status 1 when a rule at level reject is broken.",
		Flags: append(composeFlags(),
			&cli.StringFlag{Name: "format", EnvVars: []string{"SPINLOCAL_FORMAT"},
				Value: "text", Usage: "report format: text, json or sarif"},
			&cli.StringSliceFlag{Name: "level", EnvVars: []string{"SPINLOCAL_LEVEL"},
				Usage: "set a rule's level, RULE=reject|warn|off (repeatable)"},
			&cli.BoolFlag{Name: "list-rules", EnvVars: []string{"SPINLOCAL_LIST_RULES"},
				Usage: "print the rules with their default levels and exit"}),
		Action: func(c *cli.Context) error {
			return runAudit(c.Context, auditOptions{
				load: compose.Options{Files: c.StringSlice("file"),
					RancherFile: c.String("rancher-file"), EnvFiles: c.StringSlice("env-file"),
					ProjectName: c.String("stack")},
				format: c.String("format"), levels: c.StringSlice("level"),
				listRules: c.Bool("list-rules"), out: c.App.Writer,
			})
		},
	}
}

// auditOptions are the audit command's flags.
type auditOptions struct {
	load      compose.Options
	format    string
	levels    []string
	listRules bool
	out       io.Writer
}

// reportWriters render findings per --format.
var reportWriters = map[string]func(w io.Writer, stack string, fs []audit.Finding) error{
	"text": audit.WriteText,
	"json": audit.WriteJSON,
	"sarif": func(w io.Writer, _ string, fs []audit.Finding) error {
		return audit.WriteSARIF(w, version, fs)
	},
}

func runAudit(ctx context.Context, o auditOptions) error {
	if o.listRules {
		return listRules(o.out)
	}
	write, ok := reportWriters[o.format]
	if !ok {
		return fmt.Errorf("unknown --format %q: use text, json or sarif", o.format)
	}
	levels, err := parseLevelFlags(o.levels)
	if err != nil {
		return err
	}
	if err := checkStackFlag(o.load.ProjectName); err != nil {
		return err
	}
	p, err := compose.Load(ctx, o.load)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}

	fs := audit.CheckProject(audit.Config{Levels: levels}, p)
	audit.Locate(fs, sources(p.Files))
	if err := write(o.out, p.Name, fs); err != nil {
		return err
	}
	if audit.Rejected(fs) {
		return fmt.Errorf("stack %q is rejected by the Spin audit", p.Name)
	}
	return nil
}

// parseLevelFlags reads --level RULE=LEVEL values.
func parseLevelFlags(flags []string) (audit.Levels, error) {
	in := map[string]string{}
	for _, f := range flags {
		rule, level, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("--level %q: write RULE=LEVEL, e.g. service-name=reject", f)
		}
		in[rule] = level
	}
	levels, err := audit.ParseLevels(in)
	if err != nil {
		return nil, fmt.Errorf("--level: %w", err)
	}
	return levels, nil
}

// sources reads the project's files for audit.Locate, named relative to
// the working directory when they are below it. A file that cannot be read
// again only costs its findings their line numbers.
func sources(files []string) []audit.Source {
	cwd, _ := os.Getwd()
	var out []audit.Source
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		name := f
		if rel, err := filepath.Rel(cwd, f); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		out = append(out, audit.Source{Name: name, Data: data})
	}
	return out
}

func listRules(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tLEVEL\tCHECKS")
	for _, r := range audit.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Level, r.Description)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("list rules: %w", err)
	}
	return nil
}
