package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// createService creates, links and starts a service that is new in the files.
func (c *Client) createService(ctx context.Context, stack Resource, svc compose.Service,
	ids map[string]string, opts ReloadOptions) (Change, error) {
	r, err := c.ensureService(ctx, stack, svc, io.Discard)
	if err != nil {
		return Change{}, fmt.Errorf("create: %w", err)
	}
	ids[svc.Name] = r.Str("id")
	if err := c.setLinks(ctx, r, svc, stack, ids); err != nil {
		return Change{}, fmt.Errorf("set links: %w", err)
	}
	ch := Change{Service: svc.Name, Kind: Created}
	if svc.StartOnCreate != nil && !*svc.StartOnCreate {
		ch.Detail = "not started: start_on_create is false"
		return ch, nil
	}
	if r.Action("activate") != "" {
		if r, err = c.Action(ctx, r, "activate", nil); err != nil {
			return Change{}, fmt.Errorf("activate: %w", err)
		}
	}
	if _, err := c.waitSettled(ctx, r, opts); err != nil {
		return Change{}, err
	}
	return ch, nil
}

// recreateInactive replaces an inactive service (a start_on_create: false job, or one
// stopped by hand) with a new inactive one: an upgrade would start its containers.
func (c *Client) recreateInactive(ctx context.Context, stack Resource, svc compose.Service,
	r Resource, ids map[string]string, opts ReloadOptions) error {
	if err := c.removeService(ctx, r, opts); err != nil {
		return err
	}
	r, err := c.ensureService(ctx, stack, svc, io.Discard)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	ids[svc.Name] = r.Str("id")
	if err := c.setLinks(ctx, r, svc, stack, ids); err != nil {
		return fmt.Errorf("set links: %w", err)
	}
	return nil
}

// readyForUpgrade brings a service to rest before it is changed. An upgrade left
// unconfirmed (an interrupted reload) is confirmed first, as `rancher up` does; one that
// failed (its service is in error and offers rollback, e.g. after `rancher up --upgrade`
// to an image that cannot be pulled) is rolled back, so the files are applied to the
// configs that ran before it.
func (c *Client) readyForUpgrade(ctx context.Context, r Resource, opts ReloadOptions) (
	Resource, error) {
	r, err := c.waitSettled(ctx, r, opts)
	if err != nil && ctx.Err() == nil && r.Str("state") == "error" &&
		r.Action("rollback") != "" {
		if err := c.rollBack(ctx, r, opts); err != nil {
			return r, fmt.Errorf("roll back the upgrade that failed before: %w", err)
		}
		r, err = c.Get(ctx, r.Link("self"))
	}
	if err != nil {
		return r, err
	}
	if r.Str("state") == "upgraded" {
		if r, err = c.Action(ctx, r, "finishupgrade", nil); err != nil {
			return r, fmt.Errorf("confirm the previous upgrade: %w", err)
		}
		if r, err = c.waitSettled(ctx, r, opts); err != nil {
			return r, err
		}
	}
	if s := r.Str("state"); s != "active" && s != "inactive" {
		return r, fmt.Errorf("it must be active or inactive to change, it is %s", s)
	}
	return r, nil
}

// updateService sends the service settings with PUT: the create body with the deployed
// scale, as the CLI's "Updating" step does, or with scale when it is not zero.
func (c *Client) updateService(ctx context.Context, stack Resource, svc compose.Service,
	r Resource, scale int, opts ReloadOptions) error {
	lc, err := c.resolveSecrets(ctx, svc.LaunchConfig)
	if err != nil {
		return err
	}
	body := map[string]any{"name": svc.Name, "stackId": stack.Str("id"), "scale": r["scale"],
		"launchConfig": withoutRestartPolicy(lc), "metadata": svc.Metadata,
		"retainIp": svc.RetainIP}
	if scale != 0 {
		body["scale"] = scale
	}
	side, err := c.resolveAll(ctx, svc.SecondaryLaunchConfigs)
	if err != nil {
		return err
	}
	if len(side) > 0 {
		body["secondaryLaunchConfigs"] = side
	}
	if svc.Kind == "externalService" {
		// A PUT keeps the fields it leaves out: clear the target the files dropped
		// (external_ips for a hostname, or the other way round).
		body["externalIpAddresses"], body["hostname"] = []any{}, ""
	}
	for k, v := range svc.Fields {
		body[k] = v
	}
	var next Resource
	if err := c.Do(ctx, http.MethodPut, r.Link("self"), body, &next); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	_, err = c.waitSettled(ctx, next, opts)
	return err
}

// upgradeService runs an in-service upgrade one container at a time and confirms it
// once the service is healthy, or rolls it back.
func (c *Client) upgradeService(ctx context.Context, r Resource, svc compose.Service,
	plan upgradePlan, opts ReloadOptions) error {
	fail := func(err error) error { return &ServiceError{Service: svc.Name, Err: err} }
	strategy := map[string]any{"batchSize": 1, "intervalMillis": 0,
		"startFirst": svc.StartFirst}
	if plan.primary != nil {
		lc, err := c.resolveSecrets(ctx, plan.primary)
		if err != nil {
			return fail(err)
		}
		strategy["launchConfig"] = withoutRestartPolicy(lc)
	}
	side, err := c.resolveAll(ctx, plan.sidekicks)
	if err != nil {
		return fail(err)
	}
	for _, name := range plan.dropped {
		side = append(side, map[string]any{"name": name, "imageUuid": noSidekick})
	}
	if len(side) > 0 {
		strategy["secondaryLaunchConfigs"] = side
	}
	next, err := c.Action(ctx, r, "upgrade", map[string]any{"inServiceStrategy": strategy})
	if err != nil {
		return fail(fmt.Errorf("upgrade: %w", err))
	}
	return c.confirmUpgrade(ctx, next, svc.Name, opts)
}

// confirmUpgrade waits until an upgrade has replaced the containers and the service is
// healthy, then confirms it (finishupgrade). An upgrade that turns unhealthy, fails or
// does not settle within opts.Settle is rolled back. Services without health checks
// count as healthy once their containers run (cattle-api.md 8.1).
func (c *Client) confirmUpgrade(ctx context.Context, r Resource, name string,
	opts ReloadOptions) error {
	wctx, cancel := context.WithTimeout(ctx, opts.settle())
	defer cancel()
	r, why := c.waitHealthy(wctx, r, opts)
	if err := ctx.Err(); err != nil {
		return &ServiceError{Service: name, Err: fmt.Errorf("upgrade interrupted: %w", err)}
	}
	if why == nil {
		next, err := c.Action(ctx, r, "finishupgrade", nil)
		if err == nil {
			_, err = c.waitSettled(ctx, next, opts)
		}
		if err != nil {
			return &ServiceError{Service: name, Err: fmt.Errorf("confirm upgrade: %w", err)}
		}
		return nil
	}
	if err := c.rollBack(ctx, r, opts); err != nil {
		return &ServiceError{Service: name, Err: fmt.Errorf("%v; rolling back failed too: %w",
			why, err)}
	}
	return &ServiceError{Service: name, RolledBack: true, Err: why}
}

// waitHealthy waits for an upgrade to reach "upgraded" with a service that stays healthy
// for opts.Steady without any of its containers starting again; the error says why it
// did not.
func (c *Client) waitHealthy(ctx context.Context, r Resource, opts ReloadOptions) (Resource,
	error) {
	r, err := c.WaitSettled(ctx, r, opts.poll())
	if err != nil {
		if ctx.Err() != nil {
			return r, fmt.Errorf("its new containers were not running within %s (state %s)",
				opts.settle(), r.Str("state"))
		}
		return r, err
	}
	var since time.Time
	var base map[string]int // start counts when the service turned healthy
	for {
		if s := r.Str("state"); s != "upgraded" {
			return r, fmt.Errorf("the upgrade ended in state %s", s)
		}
		switch r.Str("healthState") {
		case "healthy", "started-once":
			if base == nil {
				since = time.Now()
				base, err = c.startCounts(ctx, r)
			} else {
				err = c.checkNoRestart(ctx, r, base)
			}
			if err != nil && ctx.Err() == nil {
				return r, err
			}
			if err == nil && time.Since(since) >= opts.steady() {
				return r, nil
			}
		case "unhealthy":
			return r, errors.New("its new containers are unhealthy")
		default:
			base = nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("its new containers were not healthy within %s (health %s)",
				opts.settle(), r.Str("healthState"))
		case <-time.After(opts.poll()):
		}
		if next, err := c.Get(ctx, r.Link("self")); err == nil {
			r = next
		} else if ctx.Err() == nil {
			return r, err
		}
	}
}

// startCounts maps the ids of a service's running containers to how often each was
// started.
func (c *Client) startCounts(ctx context.Context, r Resource) (map[string]int, error) {
	items, err := c.List(ctx, "services/"+r.Str("id")+"/instances", nil)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, it := range items {
		if it.Str("state") == "running" {
			n, _ := it["startCount"].(float64)
			out[it.Str("id")] = int(n)
		}
	}
	return out, nil
}

// checkNoRestart fails when a container that ran when base was taken has stopped or was
// started again since: its process exited, and the daemon restarts such containers at
// once, so the service health read between two polls may not show it.
func (c *Client) checkNoRestart(ctx context.Context, r Resource, base map[string]int) error {
	now, err := c.startCounts(ctx, r)
	if err != nil {
		return err
	}
	for id, was := range base {
		if n, ok := now[id]; !ok || n > was {
			return errors.New("its new containers exit soon after they start")
		}
	}
	return nil
}

// rollBack restores the configs and containers from before the upgrade.
func (c *Client) rollBack(ctx context.Context, r Resource, opts ReloadOptions) error {
	r, err := c.Get(ctx, r.Link("self"))
	if err != nil {
		return err
	}
	next, err := c.Action(ctx, r, "rollback", nil)
	if err != nil {
		return err
	}
	_, err = c.waitSettled(ctx, next, opts)
	return err
}

// removeService deletes a service that left the files and waits for its containers to go.
func (c *Client) removeService(ctx context.Context, r Resource, opts ReloadOptions) error {
	next, err := c.Delete(ctx, r)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if next.Link("self") == "" {
		next = r
	}
	if _, err := c.waitSettled(ctx, next, opts); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// waitSettled is WaitSettled bounded by opts.Settle.
func (c *Client) waitSettled(ctx context.Context, r Resource, opts ReloadOptions) (Resource,
	error) {
	ctx, cancel := context.WithTimeout(ctx, opts.settle())
	defer cancel()
	return c.WaitSettled(ctx, r, opts.poll())
}

// resolveAll resolves the secrets of several launch configs.
func (c *Client) resolveAll(ctx context.Context, lcs []map[string]any) ([]any, error) {
	var out []any
	for _, lc := range lcs {
		r, err := c.resolveSecrets(ctx, lc)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
