package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "list the stacks of the environment with their services, health and endpoints",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", EnvVars: []string{"SPINLOCAL_JSON"},
				Usage: "print JSON instead of a table"},
			environmentFlag(), urlFlag(), stateDirFlag(),
		},
		Action: runStatus,
	}
}

// envStatus is what status reports, and its --json form.
type envStatus struct {
	Environment string        `json:"environment"`
	URL         string        `json:"url"`
	Stacks      []stackStatus `json:"stacks"`
}

type stackStatus struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	State    string          `json:"state"`
	Health   string          `json:"health"`
	Services []serviceStatus `json:"services"`
}

type serviceStatus struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	State     string           `json:"state"`
	Health    string           `json:"health"`
	Message   string           `json:"message,omitempty"`
	Scale     int              `json:"scale"`
	Running   int              `json:"running"`
	Endpoints []endpointStatus `json:"endpoints"`
}

type endpointStatus struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	URL  string `json:"url"`
}

func runStatus(c *cli.Context) error {
	base := strings.TrimRight(c.String("url"), "/")
	if err := requireDaemon(c.Context, base); err != nil {
		return err
	}
	cl, err := connect(c.Context, base, c.String("state-dir"), c.String("environment"))
	if err != nil {
		return err
	}
	st, err := collectStatus(c.Context, cl)
	if err != nil {
		return err
	}
	st.Environment, st.URL = c.String("environment"), base
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return writeStatus(c.App.Writer, st)
}

// collectStatus reads every live stack of the client's environment and its services.
func collectStatus(ctx context.Context, cl *client.Client) (envStatus, error) {
	st := envStatus{Stacks: []stackStatus{}}
	stacks, err := cl.List(ctx, "stacks", nil)
	if err != nil {
		return st, fmt.Errorf("list stacks: %w", err)
	}
	for _, s := range stacks {
		svcs, err := cl.StackServices(ctx, s)
		if err != nil {
			return st, err
		}
		ss := stackStatus{ID: s.Str("id"), Name: s.Str("name"), State: s.Str("state"),
			Health: s.Str("healthState"), Services: []serviceStatus{}}
		for _, svc := range svcs {
			ss.Services = append(ss.Services, serviceOf(svc))
		}
		st.Stacks = append(st.Stacks, ss)
	}
	return st, nil
}

func serviceOf(svc client.Resource) serviceStatus {
	scale, _ := svc["scale"].(float64)
	running, _ := svc["currentScale"].(float64)
	out := serviceStatus{ID: svc.Str("id"), Name: svc.Str("name"), State: svc.Str("state"),
		Health: svc.Str("healthState"), Message: svc.Str("transitioningMessage"),
		Scale: int(scale), Running: int(running), Endpoints: []endpointStatus{}}
	for _, e := range client.Endpoints(svc) {
		out.Endpoints = append(out.Endpoints, endpointStatus{Host: e.Host(), Port: e.Port,
			URL: e.URL()})
	}
	return out
}

// writeStatus prints the stacks as a table, services indented under their stack.
func writeStatus(w io.Writer, st envStatus) error {
	if len(st.Stacks) == 0 {
		fmt.Fprintf(w, "No stacks in %s at %s.\n", st.Environment, st.URL)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK/SERVICE\tSTATE\tHEALTH\tSCALE\tENDPOINTS\tDETAIL")
	for _, s := range st.Stacks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\n", s.Name, s.State, s.Health)
		for _, svc := range s.Services {
			var urls []string
			for _, e := range svc.Endpoints {
				urls = append(urls, e.URL)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d/%d\t%s\t%s\n", svc.Name, svc.State,
				orDash(svc.Health), svc.Running, svc.Scale, strings.Join(urls, " "),
				svc.Message)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print status: %w", err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// requireDaemon fails with a clear message when no daemon answers at base: the commands
// that only read or remove do not start one.
func requireDaemon(ctx context.Context, base string) error {
	if client.Healthy(ctx, base) {
		return nil
	}
	return fmt.Errorf("no spinlocal daemon answers at %s: start one with `spinlocal serve` "+
		"(or deploy with `spinlocal up`), or point --url / SPINLOCAL_URL at yours", base)
}
