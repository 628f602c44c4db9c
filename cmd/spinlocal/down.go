package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

func downCommand() *cli.Command {
	return &cli.Command{
		Name:  "down",
		Usage: "remove a stack with its services and containers",
		Flags: append(composeFlags(), environmentFlag(), urlFlag(), stateDirFlag(),
			&cli.DurationFlag{Name: "timeout", EnvVars: []string{"SPINLOCAL_TIMEOUT"},
				Value: 2 * time.Minute, Usage: "how long to wait for the removal"}),
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
	cl, err := connect(c.Context, base, c.String("state-dir"), c.String("environment"))
	if err != nil {
		return err
	}
	stack, err := cl.FindByName(c.Context, "stacks", name, nil)
	if err != nil {
		return err
	}
	if stack == nil {
		return fmt.Errorf("no stack named %s in %s", name, c.String("environment"))
	}
	stack, err = cl.Delete(c.Context, stack)
	if err != nil {
		return fmt.Errorf("remove stack %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	if _, err := cl.WaitSettled(ctx, stack, 200*time.Millisecond); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "Removed stack %s\n", name)
	return nil
}
