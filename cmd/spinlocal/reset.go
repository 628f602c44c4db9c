package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// stdinIsTerminal decides whether reset may ask before it removes; tests replace it.
var stdinIsTerminal = isTerminal

func resetCommand() *cli.Command {
	return &cli.Command{
		Name:  "reset",
		Usage: "remove every stack, volume and secret of the daemon, in every environment",
		Description: "Asks first when stdin is a terminal; otherwise (CI) it needs --yes. " +
			"Objects other users own are left and named, and reset then exits 1.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"},
				EnvVars: []string{"SPINLOCAL_YES"}, Usage: "do not ask for confirmation"},
			&cli.DurationFlag{Name: "timeout", EnvVars: []string{"SPINLOCAL_TIMEOUT"},
				Value: 2 * time.Minute, Usage: "how long to wait for the removals"},
			urlFlag(), stateDirFlag(),
		},
		Action: runReset,
	}
}

// envContents is what one environment holds.
type envContents struct {
	client                   *client.Client
	name                     string
	stacks, volumes, secrets []client.Resource
}

func runReset(c *cli.Context) error {
	base := strings.TrimRight(c.String("url"), "/")
	if err := requireDaemon(c.Context, base); err != nil {
		return err
	}
	cl, err := connect(c.Context, base, c.String("state-dir"), "dev-cattle")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	envs, err := inventory(ctx, cl)
	if err != nil {
		return err
	}
	summary := describe(envs)
	out := c.App.Writer
	if summary == "" {
		fmt.Fprintf(out, "The daemon at %s holds no stacks, volumes or secrets.\n", base)
		return nil
	}
	if !c.Bool("yes") {
		if err := confirm(c, base, summary); err != nil {
			return err
		}
	}
	var errs []error
	for _, e := range envs {
		errs = append(errs, resetEnv(ctx, e, out))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reset is incomplete:\n%w", err)
	}
	fmt.Fprintf(out, "Reset the daemon at %s: removed %s.\n", base, summary)
	return nil
}

// inventory lists the live stacks, volumes and secrets of every environment.
func inventory(ctx context.Context, cl *client.Client) ([]envContents, error) {
	var projects struct {
		Data []client.Resource `json:"data"`
	}
	if err := cl.Do(ctx, http.MethodGet, cl.API()+"/projects", nil, &projects); err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	var out []envContents
	for _, p := range projects.Data {
		ec := *cl
		ec.Project = p.Str("id")
		e := envContents{client: &ec, name: p.Str("name")}
		var err error
		if e.stacks, err = ec.List(ctx, "stacks", nil); err != nil {
			return nil, fmt.Errorf("%s: list stacks: %w", e.name, err)
		}
		if e.volumes, err = ec.List(ctx, "volumes", nil); err != nil {
			return nil, fmt.Errorf("%s: list volumes: %w", e.name, err)
		}
		if e.secrets, err = ec.List(ctx, "secrets", nil); err != nil {
			return nil, fmt.Errorf("%s: list secrets: %w", e.name, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// describe counts what the environments hold, e.g. "2 stacks, 1 volume"; "" for nothing.
func describe(envs []envContents) string {
	var stacks, volumes, secrets int
	for _, e := range envs {
		stacks += len(e.stacks)
		volumes += len(e.volumes)
		secrets += len(e.secrets)
	}
	var parts []string
	for _, p := range []struct {
		n    int
		noun string
	}{{stacks, "stack"}, {volumes, "volume"}, {secrets, "secret"}} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.noun)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", p.n, p.noun))
		}
	}
	return strings.Join(parts, ", ")
}

// confirm asks on a terminal and refuses without one.
func confirm(c *cli.Context, base, summary string) error {
	if !stdinIsTerminal(c.App.Reader) {
		return fmt.Errorf("reset would remove %s from the daemon at %s, and stdin is no "+
			"terminal to confirm on: pass --yes (or set SPINLOCAL_YES=1); nothing was "+
			"removed", summary, base)
	}
	fmt.Fprintf(c.App.ErrWriter, "Remove %s from the daemon at %s, in every environment? "+
		"[y/N] ", summary, base)
	answer, err := bufio.NewReader(c.App.Reader).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return cli.Exit("reset cancelled; nothing was removed", 1)
}

// resetEnv removes the stacks of an environment, then its volumes, then its secrets. It
// goes on past refusals and returns them all.
func resetEnv(ctx context.Context, e envContents, out io.Writer) error {
	cl := e.client
	var errs []error
	kept := map[string]bool{}
	for _, s := range e.stacks {
		if err := cl.RemoveStack(ctx, s, removePoll); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.name, err))
			kept[s.Str("id")] = true
			continue
		}
		fmt.Fprintf(out, "Removed stack %s/%s\n", e.name, s.Str("name"))
	}
	for _, v := range e.volumes {
		if kept[v.Str("stackId")] {
			continue // goes with its stack, which stays
		}
		if err := removeVolume(ctx, cl, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.name, err))
			continue
		}
		fmt.Fprintf(out, "Removed volume %s/%s\n", e.name, v.Str("name"))
	}
	for _, s := range e.secrets {
		if _, err := cl.Delete(ctx, s); err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("%s: remove secret %s: %w", e.name,
				s.Str("name"), err))
			continue
		}
		fmt.Fprintf(out, "Removed secret %s/%s\n", e.name, s.Str("name"))
	}
	return errors.Join(errs...)
}

// removeVolume removes a volume and waits until it is gone. A stack's volume is removed
// by the daemon once its stack is gone; any other is deleted here.
func removeVolume(ctx context.Context, cl *client.Client, v client.Resource) error {
	cur, err := cl.Get(ctx, v.Link("self"))
	if client.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("volume %s: %w", v.Str("name"), err)
	}
	if cur.Str("stackId") == "" && cur.Str("state") != "removing" &&
		cur.Str("state") != "removed" {
		if cur, err = cl.Delete(ctx, cur); err != nil {
			return fmt.Errorf("remove volume %s: %w", v.Str("name"), err)
		}
	}
	_, err = cl.WaitVolumesGone(ctx, []client.Resource{cur}, removePoll)
	return err
}
