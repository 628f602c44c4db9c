package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// LogTail is how many lines of each container's log a NotReadyError carries.
const LogTail = 20

// explainTimeout bounds the calls that gather a report, which run after the wait's own
// context may have ended.
const explainTimeout = 15 * time.Second

// NotReadyError says why a stack did not become ready: the cause, and what each unready
// service and its containers report, with the last lines of their logs.
type NotReadyError struct {
	Stack    string
	Cause    error
	Services []ServiceReport
}

// ServiceReport is one unready service.
type ServiceReport struct {
	Name       string
	Missing    bool // the stack has no live service of that name
	State      string
	Health     string
	Message    string // transitioningMessage
	Containers []ContainerReport
}

// ContainerReport is one container of an unready service.
type ContainerReport struct {
	Name     string
	State    string
	Health   string
	Message  string
	Lines    []LogLine
	LogError string // why there are no lines, when the logs could not be read
}

func (e *NotReadyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s is not ready: %v", e.Stack, e.Cause)
	for _, s := range e.Services {
		b.WriteString("\n")
		s.write(&b)
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is finds context.DeadlineExceeded.
func (e *NotReadyError) Unwrap() error { return e.Cause }

func (s ServiceReport) write(b *strings.Builder) {
	if s.Missing {
		fmt.Fprintf(b, "service %s: not created", s.Name)
		return
	}
	fmt.Fprintf(b, "service %s: state=%s health=%s message=%q", s.Name, s.State,
		orDash(s.Health), s.Message)
	for _, c := range s.Containers {
		fmt.Fprintf(b, "\n  container %s: state=%s health=%s message=%q", c.Name, c.State,
			orDash(c.Health), c.Message)
		switch {
		case c.LogError != "":
			fmt.Fprintf(b, "\n    no log: %s", c.LogError)
		case len(c.Lines) == 0:
			b.WriteString("\n    (the log is empty)")
		default:
			fmt.Fprintf(b, "\n    last %d log lines:", len(c.Lines))
			for _, l := range c.Lines {
				fmt.Fprintf(b, "\n    | %s", l.Text)
			}
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Explain reports the named services of a stack that are not Ready, with their containers
// and the last LogTail lines of each container's log. It works on after ctx has ended.
func (c *Client) Explain(ctx context.Context, stack Resource, names []string,
	cause error) *NotReadyError {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), explainTimeout)
	defer cancel()
	e := &NotReadyError{Stack: stack.Str("name"), Cause: cause}
	byName, err := c.servicesByName(ctx, stack)
	if err != nil {
		e.Cause = fmt.Errorf("%w (and reading its services failed: %w)", cause, err)
		return e
	}
	for _, n := range names {
		svc, ok := byName[n]
		if ok && Ready(svc) {
			continue
		}
		r := ServiceReport{Name: n, Missing: !ok}
		if ok {
			r.State, r.Health = svc.Str("state"), svc.Str("healthState")
			r.Message = svc.Str("transitioningMessage")
			r.Containers = c.containerReports(ctx, svc)
		}
		e.Services = append(e.Services, r)
	}
	return e
}

// containerReports describes the live containers of a service, logs included.
func (c *Client) containerReports(ctx context.Context, svc Resource) []ContainerReport {
	var out []ContainerReport
	var list struct {
		Data []Resource `json:"data"`
	}
	u := svc.Link("instances")
	if u == "" {
		return nil
	}
	if err := c.Do(ctx, http.MethodGet, u+"?removed_null=1", nil, &list); err != nil {
		return []ContainerReport{{Name: "(containers)", LogError: err.Error()}}
	}
	for _, ct := range list.Data {
		r := ContainerReport{Name: ct.Str("name"), State: ct.Str("state"),
			Health: ct.Str("healthState"), Message: ct.Str("transitioningMessage")}
		lines, err := c.TailLogs(ctx, ct, LogTail)
		if err != nil {
			r.LogError = err.Error()
		}
		r.Lines = lines
		out = append(out, r)
	}
	return out
}

// TailLogs returns the last n lines of a container's log (stdout and stderr, without
// timestamps), without following it.
func (c *Client) TailLogs(ctx context.Context, container Resource, n int) ([]LogLine,
	error) {
	var lines []LogLine
	body := map[string]any{"follow": false, "lines": n, "timestamps": false}
	err := c.StreamLogs(ctx, container, body, func(l LogLine) { lines = append(lines, l) })
	return lines, err
}
