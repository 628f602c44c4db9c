package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Ready reports whether a service is up for callers: active, and healthy as the daemon
// rolls its containers' health up. A service without a health check is healthy once its
// containers run (one the daemon started again after it exited only once it has run for
// a while); a start_once service counts when it ran once.
func Ready(svc Resource) bool {
	if svc.Str("state") != "active" {
		return false
	}
	switch svc.Str("healthState") {
	case "healthy", "started-once":
		return true
	}
	return false
}

// StackServices lists the live services of a stack.
func (c *Client) StackServices(ctx context.Context, stack Resource) ([]Resource, error) {
	var out struct {
		Data []Resource `json:"data"`
	}
	u := stack.Link("services")
	if u == "" {
		return nil, fmt.Errorf("stack %s has no services link", stack.Str("name"))
	}
	if err := c.Do(ctx, http.MethodGet, u+"?removed_null=1", nil, &out); err != nil {
		return nil, fmt.Errorf("services of stack %s: %w", stack.Str("name"), err)
	}
	return out.Data, nil
}

// ReadySteady is how long WaitReady wants every service to stay Ready, with none of their
// containers started again, before it reports them ready: a container that exits soon
// after it starts is counted healthy until the daemon sees it gone and starts it again.
const ReadySteady = 2 * time.Second

// WaitReady polls the named services of a stack until every one has been Ready for
// ReadySteady without any of their running containers starting again, and returns them by
// name. When ctx times out, or at once when a service lands in error, it gives up with a
// *NotReadyError that says what each unready service and its containers report; a
// cancelled ctx ends it with a plain error.
func (c *Client) WaitReady(ctx context.Context, stack Resource, names []string,
	poll time.Duration) (map[string]Resource, error) {
	var steady readyWindow
	for {
		byName, err := c.servicesByName(ctx, stack)
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		var failed error
		ready := 0
		for _, n := range names {
			svc, ok := byName[n]
			switch {
			case ok && Ready(svc):
				ready++
			case ok && svc.Str("transitioning") == "error":
				failed = fmt.Errorf("service %s is in error", n)
			}
		}
		if err == nil && ready == len(names) {
			done, werr := steady.check(ctx, c, byName, names)
			if werr != nil && ctx.Err() == nil {
				return nil, werr
			}
			if done {
				return byName, nil
			}
		} else {
			steady = readyWindow{}
		}
		if failed == nil && errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("stopped waiting for stack %s: %w", stack.Str("name"),
				ctx.Err())
		}
		if failed == nil && ctx.Err() != nil {
			failed = fmt.Errorf("timed out waiting: %w", ctx.Err())
		}
		if failed != nil {
			return nil, c.Explain(ctx, stack, names, failed)
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
}

// readyWindow is the time every service of a wait has been Ready, and how often each of
// their running containers had been started when it began.
type readyWindow struct {
	since  time.Time
	starts map[string]int
}

// check reports whether the services have stayed Ready for ReadySteady. A container
// that stopped or was started again since the window began restarts the window.
func (w *readyWindow) check(ctx context.Context, c *Client, byName map[string]Resource,
	names []string) (bool, error) {
	now := map[string]int{}
	for _, n := range names {
		if err := c.runningStarts(ctx, byName[n], now); err != nil {
			return false, err
		}
	}
	if w.starts == nil {
		*w = readyWindow{since: time.Now(), starts: now}
		return false, nil
	}
	for id, was := range w.starts {
		if n, ok := now[id]; !ok || n != was {
			*w = readyWindow{since: time.Now(), starts: now}
			return false, nil
		}
	}
	return time.Since(w.since) >= ReadySteady, nil
}

// runningStarts adds the start counts of a service's running containers to into.
func (c *Client) runningStarts(ctx context.Context, svc Resource, into map[string]int) error {
	var list struct {
		Data []Resource `json:"data"`
	}
	u := svc.Link("instances")
	if u == "" {
		return nil
	}
	if err := c.Do(ctx, http.MethodGet, u+"?removed_null=1", nil, &list); err != nil {
		return fmt.Errorf("containers of service %s: %w", svc.Str("name"), err)
	}
	for _, ct := range list.Data {
		if ct.Str("state") == "running" {
			n, _ := ct["startCount"].(float64)
			into[ct.Str("id")] = int(n)
		}
	}
	return nil
}

// servicesByName maps the live services of a stack by name.
func (c *Client) servicesByName(ctx context.Context, stack Resource) (map[string]Resource,
	error) {
	svcs, err := c.StackServices(ctx, stack)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Resource, len(svcs))
	for _, s := range svcs {
		out[s.Str("name")] = s
	}
	return out, nil
}
