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
// containers run; a start_once service counts when it ran once.
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

// WaitReady polls the named services of a stack until every one is Ready and returns them
// by name. When ctx times out, or at once when a service lands in error, it gives up with
// a *NotReadyError that says what each unready service and its containers report; a
// cancelled ctx ends it with a plain error.
func (c *Client) WaitReady(ctx context.Context, stack Resource, names []string,
	poll time.Duration) (map[string]Resource, error) {
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
			return byName, nil
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
