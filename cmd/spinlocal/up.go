package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func composeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "file", Aliases: []string{"f"},
			EnvVars: []string{"SPINLOCAL_FILE"}, Usage: "compose file (repeatable); " +
				"default docker-compose.yml"},
		&cli.StringFlag{Name: "rancher-file", EnvVars: []string{"SPINLOCAL_RANCHER_FILE"},
			Usage: "rancher-compose.yml (default: beside the first compose file)"},
		&cli.StringSliceFlag{Name: "env-file", EnvVars: []string{"SPINLOCAL_ENV_FILE"},
			Usage: "file of variables for ${VAR} interpolation (repeatable)"},
		&cli.StringFlag{Name: "stack", Aliases: []string{"s"},
			EnvVars: []string{"SPINLOCAL_STACK"},
			Usage:   "stack name (default: the compose file's directory name)"},
	}
}

func upCommand() *cli.Command {
	return &cli.Command{
		Name:  "up",
		Usage: "deploy a compose project, print its endpoints and follow its logs",
		Flags: append(composeFlags(),
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"},
				EnvVars: []string{"SPINLOCAL_DETACH"}, Usage: "return once the stack is up"},
			&cli.DurationFlag{Name: "timeout", EnvVars: []string{"SPINLOCAL_TIMEOUT"},
				Value: 5 * time.Minute, Usage: "how long to wait for the services"},
			&cli.BoolFlag{Name: "wait", EnvVars: []string{"SPINLOCAL_WAIT"},
				Usage: "also wait until every service is active and healthy and stays so " +
					"for 2s; on failure print its state and last log lines and exit " +
					"non-zero"},
			watchSourcesFlag(), proxyFileFlag(), environmentFlag(), urlFlag(),
			stateDirFlag()),
		Action: runUp,
	}
}

func loadProject(c *cli.Context) (*compose.Project, error) {
	if err := checkStackFlag(c.String("stack")); err != nil {
		return nil, err
	}
	return compose.Load(c.Context, compose.Options{Files: c.StringSlice("file"),
		RancherFile: c.String("rancher-file"), EnvFiles: c.StringSlice("env-file"),
		ProjectName: c.String("stack")})
}

func runUp(c *cli.Context) error {
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	project, err := loadProject(c)
	if err != nil {
		return err
	}
	plan, err := readProxyPlan(c, project)
	if err != nil {
		return err
	}
	base := strings.TrimRight(c.String("url"), "/")
	if err := ensureDaemon(ctx, base, c.String("state-dir")); err != nil {
		return err
	}
	cl, err := connect(ctx, base, c.String("state-dir"), c.String("environment"))
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, c.Duration("timeout"))
	defer cancel()
	out := c.App.Writer
	d, err := deploy(wctx, cl, project, out, c.Bool("wait"))
	if err != nil {
		return err
	}
	printScaleDrift(out, project, d)
	printEndpoints(out, d)
	proxied, err := plan.apply(wctx, cl, project.Name)
	if err != nil {
		return fmt.Errorf("the stack is up, but the proxy refused an entry: %w", err)
	}
	printProxyURLs(wctx, cl, out, proxied)
	if c.Bool("detach") {
		return nil
	}
	fmt.Fprintln(out, "Following logs; Ctrl-C stops following and leaves the stack running.")
	waitWatch := startWatch(ctx, c, cl, out, plan)
	cl.FollowStack(ctx, d.Stack.Str("id"), out, c.App.ErrWriter)
	waitWatch()
	return nil
}

// printEndpoints lists each published port of the stack: a URL for TCP, host:port and
// the protocol for a port published only over UDP.
func printEndpoints(out io.Writer, d *client.Deployment) {
	for _, svc := range d.Services {
		udp := udpOnlyPorts(svc)
		for _, e := range client.Endpoints(svc) {
			if e.IP == "0.0.0.0" || e.IP == "" {
				e.IP = "127.0.0.1" // every address of the machine, loopback included
			}
			where := e.URL() + "/"
			if udp[e.Port] {
				where = e.HostPort() + " (udp)"
			}
			fmt.Fprintf(out, "%s/%s: %s\n", d.Stack.Str("name"), svc.Str("name"), where)
		}
	}
}

// udpOnlyPorts lists the host ports a service publishes over UDP and not over TCP.
func udpOnlyPorts(svc client.Resource) map[int]bool {
	lc, _ := svc["launchConfig"].(map[string]any)
	ports, _ := lc["ports"].([]any)
	udp, tcp := map[int]bool{}, map[int]bool{}
	for _, p := range ports {
		spec, proto, _ := strings.Cut(fmt.Sprint(p), "/")
		parts := strings.Split(spec, ":")
		if len(parts) < 2 {
			continue // not published
		}
		n, err := strconv.Atoi(parts[len(parts)-2])
		if err != nil {
			continue
		}
		if strings.EqualFold(proto, "udp") {
			udp[n] = true
		} else {
			tcp[n] = true
		}
	}
	for n := range tcp {
		delete(udp, n)
	}
	return udp
}

// checkStackFlag refuses a --stack name the CLI would have to rewrite: a name typed by the
// user is used as given or not at all (one taken from a directory is normalised).
func checkStackFlag(s string) error {
	if s == "" || compose.NormalizeStackName(s) == s {
		return nil
	}
	return fmt.Errorf("--stack %q: stack names are lowercase letters, digits and '-', not "+
		"starting or ending with '-' (try %q)", s,
		strings.Trim(compose.NormalizeStackName(s), "-x"))
}
