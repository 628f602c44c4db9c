package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// removePoll is how often removals are polled.
const removePoll = 200 * time.Millisecond

func downCommand() *cli.Command {
	return &cli.Command{
		Name:  "down",
		Usage: "remove a stack with its services and containers",
		Flags: append(composeFlags(), environmentFlag(), urlFlag(), stateDirFlag(),
			&cli.DurationFlag{Name: "timeout", EnvVars: []string{"SPINLOCAL_TIMEOUT"},
				Value: 2 * time.Minute, Usage: "how long to wait for the removal"},
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"},
				EnvVars: []string{"SPINLOCAL_VOLUMES"},
				Usage: "also remove the environment volumes the stack's services mounted " +
					"that nothing else uses (stack volumes always go with the stack; " +
					"volumes it declares external are kept)"}),
		Action: runDown,
	}
}

func runDown(c *cli.Context) error {
	// An explicit name is used as given, so stacks the CLI made (Default) are reachable.
	name := c.String("stack")
	if name == "" {
		p, err := loadProject(c)
		if err != nil {
			return fmt.Errorf("%w (or name the stack with --stack)", err)
		}
		name = p.Name
	}
	base := strings.TrimRight(c.String("url"), "/")
	if err := requireDaemon(c.Context, base); err != nil {
		return err
	}
	cl, err := connect(c.Context, base, c.String("state-dir"), c.String("environment"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	stack, err := cl.FindByName(ctx, "stacks", name, nil)
	if err != nil {
		return err
	}
	if stack == nil {
		return missingStack(ctx, cl, name, c.String("environment"))
	}
	return removeStack(ctx, cl, stack, c.Bool("volumes"), c.App.Writer)
}

// missingStack is the error for a stack that does not exist, naming the ones that do.
func missingStack(ctx context.Context, cl *client.Client, name, env string) error {
	stacks, err := cl.List(ctx, "stacks", nil)
	if err != nil {
		return fmt.Errorf("no stack named %s in %s", name, env)
	}
	var names []string
	for _, s := range stacks {
		names = append(names, s.Str("name"))
	}
	if len(names) == 0 {
		return fmt.Errorf("no stack named %s in %s: it has no stacks; nothing was removed",
			name, env)
	}
	return fmt.Errorf("no stack named %s in %s (its stacks: %s); nothing was removed", name,
		env, strings.Join(names, ", "))
}

// removeStack removes a stack and waits until its services and containers are gone. With
// volumes it also waits for the stack's own volumes, which the daemon removes with the
// stack, and removes the environment volumes only this stack mounted.
func removeStack(ctx context.Context, cl *client.Client, stack client.Resource, volumes bool,
	out io.Writer) error {
	var stackVols, envVols []client.Resource
	var external []string
	if volumes {
		var err error
		if envVols, external, err = cl.EnvironmentVolumes(ctx, stack); err != nil {
			return err
		}
		if stackVols, err = cl.StackVolumes(ctx, stack.Str("id")); err != nil {
			return err
		}
	}
	if err := cl.RemoveStack(ctx, stack, removePoll); err != nil {
		return err
	}
	fmt.Fprintf(out, "Removed stack %s\n", stack.Str("name"))
	if !volumes {
		return nil
	}
	names, err := cl.WaitVolumesGone(ctx, stackVols, removePoll)
	for _, n := range names {
		fmt.Fprintf(out, "Removed volume %s\n", n)
	}
	if err != nil {
		return err
	}
	for _, n := range external {
		fmt.Fprintf(out, "Kept volume %s: the stack declares it external\n", n)
	}
	return removeUnused(ctx, cl, envVols, stack.Str("id"), out)
}

// removeUnused removes each environment volume that no container and no service outside
// the stack uses.
func removeUnused(ctx context.Context, cl *client.Client, vols []client.Resource,
	stackID string, out io.Writer) error {
	var errs []error
	for _, v := range vols {
		users, err := cl.VolumeUsers(ctx, v, stackID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(users) > 0 {
			fmt.Fprintf(out, "Kept volume %s: used by %s\n", v.Str("name"),
				strings.Join(users, ", "))
			continue
		}
		if _, err := cl.Delete(ctx, v); err != nil {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Str("name"), err))
			continue
		}
		fmt.Fprintf(out, "Removed volume %s\n", v.Str("name"))
	}
	return errors.Join(errs...)
}
