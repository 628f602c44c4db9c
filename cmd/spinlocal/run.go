package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// readyPoll is how often deploy polls services while it waits for them.
const readyPoll = 250 * time.Millisecond

// outputGrace is how long run reads the command's output after the command exited.
const outputGrace = 2 * time.Second

// teardownTimeout bounds the removal of run's stack.
const teardownTimeout = 2 * time.Minute

// Exit statuses of run besides its command's own, as shells use them.
const (
	exitCannotRun   = 126 // the command exists but does not start
	exitNotFound    = 127 // the command does not exist
	exitInterrupted = 130 // Ctrl-C or SIGTERM before the command started
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "deploy a stack, run a command against it, remove the stack",
		ArgsUsage: "-- COMMAND [ARG...]",
		Description: "Deploys the compose project, waits until every service is active and " +
			"healthy (as up --wait), runs COMMAND with each service's first published port " +
			"in SPINLOCAL_<SERVICE>_URL, _HOST and _PORT (and the daemon's coordinates in " +
			"SPINLOCAL_URL, SPINLOCAL_STATE_DIR, SPINLOCAL_ENVIRONMENT, SPINLOCAL_STACK), " +
			"then removes the stack, also on failure or Ctrl-C, and exits with COMMAND's " +
			"status.",
		Flags: append(composeFlags(),
			&cli.DurationFlag{Name: "timeout", EnvVars: []string{"SPINLOCAL_TIMEOUT"},
				Value: 5 * time.Minute, Usage: "how long to wait for the stack to be ready"},
			&cli.BoolFlag{Name: "replace", EnvVars: []string{"SPINLOCAL_REPLACE"},
				Usage: "take over a stack of the same name that is already deployed (it is " +
					"removed at the end like run's own)"},
			&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"},
				EnvVars: []string{"SPINLOCAL_VOLUMES"},
				Usage:   "at teardown also remove environment volumes, as down -v does"},
			proxyFileFlag(), environmentFlag(), urlFlag(), stateDirFlag()),
		Action: runRun,
	}
}

func runRun(c *cli.Context) error {
	argv := c.Args().Slice()
	if len(argv) == 0 {
		return errors.New("name the command to run after --, as in " +
			"`spinlocal run -- go test ./...`")
	}
	// A command that cannot start is known before anything is deployed.
	if _, err := exec.LookPath(argv[0]); err != nil {
		return cli.Exit(fmt.Sprintf("command %q not found (%v); nothing was deployed",
			argv[0], err), exitNotFound)
	}
	project, err := loadProject(c)
	if err != nil {
		return err
	}
	plan, err := readProxyPlan(c, project)
	if err != nil {
		return err
	}
	relay := newSignalRelay(!isTerminal(c.App.Reader))
	defer relay.stop()
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	relay.onSignal(cancel)

	base := strings.TrimRight(c.String("url"), "/")
	if err := ensureDaemon(ctx, base, c.String("state-dir")); err != nil {
		return err
	}
	cl, err := connect(ctx, base, c.String("state-dir"), c.String("environment"))
	if err != nil {
		return err
	}
	if err := checkNoStack(ctx, cl, project.Name, c.Bool("replace")); err != nil {
		return err
	}
	code, err := deployAndRun(ctx, c, cl, project, plan, relay)
	log := c.App.ErrWriter
	if terr := teardown(c.Context, cl, project.Name, c.Bool("volumes"), log); terr != nil {
		err = errors.Join(err, terr)
		code = max(code, 1)
	}
	switch {
	case err != nil && code > 1:
		return cli.Exit(err.Error(), code)
	case err != nil:
		return err
	case code != 0:
		return cli.Exit("", code)
	}
	return nil
}

// deployAndRun deploys the project, waits until it is ready and runs the command with
// the stack's endpoints in its environment. It returns the status run exits with.
func deployAndRun(ctx context.Context, c *cli.Context, cl *client.Client,
	project *compose.Project, plan *proxyPlan, relay *signalRelay) (int, error) {
	log := c.App.ErrWriter
	wctx, cancel := context.WithTimeout(ctx, c.Duration("timeout"))
	d, err := deploy(wctx, cl, project, log, true)
	cancel()
	argv := c.Args().Slice()
	if sig := relay.caught(); sig != nil {
		return exitInterrupted, fmt.Errorf("stopped by %s before %s started",
			signalName(sig), argv[0])
	}
	if err != nil {
		return 1, err
	}
	proxied, err := plan.apply(ctx, cl, project.Name)
	if err != nil {
		return 1, err
	}
	printProxyURLs(ctx, cl, log, proxied)
	env := append(runEnv(d), "SPINLOCAL_URL="+cl.Base,
		"SPINLOCAL_STATE_DIR="+c.String("state-dir"),
		"SPINLOCAL_ENVIRONMENT="+c.String("environment"), "SPINLOCAL_STACK="+project.Name)
	env = append(env, proxyEnv(ctx, cl, proxied)...)
	for _, kv := range env {
		fmt.Fprintln(log, kv)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.App.Reader, c.App.Writer, log
	// A background child that keeps the command's output open does not hold run.
	cmd.WaitDelay = outputGrace
	return relay.run(cmd)
}

// deploy deploys a project and, with wait, waits until the services it starts are Ready.
// With wait, a failure of either step is a *client.NotReadyError that holds each unready
// service's state and the last lines of its logs (a cancelled ctx gives a plain error).
func deploy(ctx context.Context, cl *client.Client, p *compose.Project, out io.Writer,
	wait bool) (*client.Deployment, error) {
	d, err := cl.Deploy(ctx, p, out)
	if err != nil {
		err = fmt.Errorf("deploy stack %s: %w", p.Name, err)
		if wait && d != nil && d.Stack != nil && !errors.Is(ctx.Err(), context.Canceled) {
			return d, cl.Explain(ctx, d.Stack, d.Unfinished(p), err)
		}
		return d, err
	}
	if !wait {
		return d, nil
	}
	fmt.Fprintf(out, "Waiting until every service of %s is active and healthy\n", p.Name)
	byName, err := cl.WaitReady(ctx, d.Stack, client.Started(p), readyPoll)
	if err != nil {
		return d, err
	}
	for i, s := range d.Services {
		if fresh, ok := byName[s.Str("name")]; ok {
			d.Services[i] = fresh
		}
	}
	fmt.Fprintf(out, "Stack %s is ready\n", p.Name)
	return d, nil
}

// runEnv holds SPINLOCAL_<SERVICE>_URL, _HOST and _PORT for each service's first published
// port, sorted.
func runEnv(d *client.Deployment) []string {
	var env []string
	for _, svc := range d.Services {
		eps := client.Endpoints(svc)
		if len(eps) == 0 {
			continue
		}
		prefix := "SPINLOCAL_" + upperSnake(svc.Str("name"))
		env = append(env, prefix+"_URL="+eps[0].URL(), prefix+"_HOST="+eps[0].Host(),
			prefix+"_PORT="+strconv.Itoa(eps[0].Port))
	}
	sort.Strings(env)
	return env
}

// upperSnake turns a service name into an environment name part: web-api gives WEB_API.
func upperSnake(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

// teardown removes run's stack with a context of its own, so an interrupted run still
// cleans up.
func teardown(parent context.Context, cl *client.Client, name string, volumes bool,
	out io.Writer) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), teardownTimeout)
	defer cancel()
	stack, err := cl.FindByName(ctx, "stacks", name, nil)
	if err != nil {
		return fmt.Errorf("teardown: find stack %s: %w", name, err)
	}
	if stack == nil {
		return nil
	}
	if err := removeStack(ctx, cl, stack, volumes, out); err != nil {
		return fmt.Errorf("teardown: %w", err)
	}
	return nil
}

// checkNoStack refuses to run against a stack deployed before: run removes its stack at
// the end, and one a user deployed (make demo, say) is not run's to remove. It makes the
// stack itself, so of two runs of one name started together only one goes on.
func checkNoStack(ctx context.Context, cl *client.Client, name string, replace bool) error {
	if replace {
		return nil
	}
	_, err := cl.Create(ctx, "stacks", map[string]any{"name": name})
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == "NotUnique":
		return fmt.Errorf("stack %s is already deployed; run deploys a stack of its own "+
			"and removes it at the end, so it leaves this one alone: remove it first "+
			"(spinlocal down -s %s), pick another name with -s, or pass --replace to let "+
			"run take it over and remove it; nothing was deployed", name, name)
	case err != nil:
		return fmt.Errorf("create stack %s: %w", name, err)
	}
	return nil
}
