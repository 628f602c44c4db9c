package client

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// ChangeKind says what Reload did to one service.
type ChangeKind string

// The changes Reload reports, one per service.
const (
	Unchanged ChangeKind = "unchanged"
	Created   ChangeKind = "created"
	Updated   ChangeKind = "updated"
	Upgraded  ChangeKind = "upgraded"
	Recreated ChangeKind = "recreated"
	Removed   ChangeKind = "removed"
	// Scaled is a service whose only change is its scale.
	Scaled ChangeKind = "scaled"
)

// noSidekick is the image the CLI sends for a sidekick that an upgrade drops
// (cattle-api.md 7.11).
const noSidekick = "rancher/none"

// Change is what happened to one service in a reload.
type Change struct {
	Service string
	Kind    ChangeKind
	// Detail names what changed, e.g. "image web:2, environment"; empty when there is
	// nothing to add.
	Detail string
	// ScaleFrom and ScaleTo are the scale before and after, when the reload changed it;
	// both zero otherwise.
	ScaleFrom, ScaleTo int
}

// String renders the change as one line of `up` output, e.g. "reload: web upgraded
// (environment)" or "reload: web scaled 1 -> 3".
func (ch Change) String() string {
	if ch.Kind == Scaled {
		return fmt.Sprintf("reload: %s scaled %d -> %d", ch.Service, ch.ScaleFrom, ch.ScaleTo)
	}
	line := fmt.Sprintf("reload: %s %s", ch.Service, ch.Kind)
	if ch.Detail != "" {
		line += " (" + ch.Detail + ")"
	}
	if ch.ScaleTo != 0 {
		line += fmt.Sprintf(", scaled %d -> %d", ch.ScaleFrom, ch.ScaleTo)
	}
	return line
}

// ServiceError is a service that Reload could not bring in line with the files: the
// daemon refused the change, or the upgrade ran and was rolled back. The services before
// it in dependency order were changed; the ones after it, and any removals, were not.
type ServiceError struct {
	Service string
	// RolledBack is set when the new containers ran and were replaced by the old ones.
	RolledBack bool
	Err        error
}

func (e *ServiceError) Error() string {
	if e.RolledBack {
		return e.Service + " rolled back: " + e.Err.Error()
	}
	return e.Service + ": " + e.Err.Error()
}

// Unwrap returns the cause, often an *Error from the daemon.
func (e *ServiceError) Unwrap() error { return e.Err }

// ReloadOptions tune Reload and RestartService. The zero value is usable.
type ReloadOptions struct {
	// Settle bounds each wait: an upgrade that is not running and healthy by then is
	// rolled back. Zero means two minutes.
	Settle time.Duration
	// Poll is how often a service is read again while waiting. Zero means 100 ms.
	Poll time.Duration
	// Steady is how long an upgraded service must stay healthy before it is confirmed,
	// so that a container that starts and then crashes is caught. Zero means two seconds.
	Steady time.Duration
	// Scales holds each service's scale in the files as they were last applied (see
	// FileScales). A service whose scale in the files differs from its entry, or that has
	// none, is scaled to the files' scale. Nil leaves every scale alone, as `rancher up`
	// does (it sets scale only when it creates a service).
	Scales map[string]int
	// Warned holds the audit warnings already printed; Reload prints the others and
	// adds them. Nil prints every warning about the services a reload changes.
	Warned map[string]bool
}

// FileScales returns the scale of each service of p, for ReloadOptions.Scales.
func FileScales(p *compose.Project) map[string]int {
	out := make(map[string]int, len(p.Services))
	for _, s := range p.Services {
		out[s.Name] = s.Scale
	}
	return out
}

func (o ReloadOptions) settle() time.Duration {
	if o.Settle > 0 {
		return o.Settle
	}
	return 2 * time.Minute
}

func (o ReloadOptions) steady() time.Duration {
	if o.Steady > 0 {
		return o.Steady
	}
	return 2 * time.Second
}

func (o ReloadOptions) poll() time.Duration {
	if o.Poll > 0 {
		return o.Poll
	}
	return 100 * time.Millisecond
}

// Reload brings a deployed stack in line with p, one service at a time in dependency
// order, and prints one line per service to out. It compares the config hashes the
// loader stamps (cattle-api.md 7.12) with the deployed ones: a changed launch config or
// sidekick is upgraded in place and confirmed once healthy, or rolled back (an inactive
// service is recreated instead, so it stays stopped); changed service settings are sent
// with PUT once the upgrade, if any, is confirmed, so a refused or rolled back upgrade
// leaves the deployed hash as it was; new services are created and services that left
// the files are removed. A scale edited in the files is applied (see opts.Scales).
//
// Before it changes anything it has the daemon audit every service it would send and
// pull every new image an upgrade needs: a refusal (an *AuditError with all of them) or
// an image that cannot be pulled (a *ServiceError per service) leaves the stack as it is.
func (c *Client) Reload(ctx context.Context, p *compose.Project, opts ReloadOptions,
	out io.Writer) ([]Change, error) {
	stack, deployed, err := c.liveServices(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	left := map[string]Resource{}
	ids := map[string]string{}
	for _, r := range deployed {
		left[r.Str("name")] = r
		ids[r.Str("name")] = r.Str("id")
	}
	if err := c.checkReload(ctx, p, left, opts, out); err != nil {
		return nil, err
	}
	if err := c.checkTopLevel(ctx, p, stack, io.Discard); err != nil {
		return nil, fmt.Errorf("stack %s: %w", p.Name, err)
	}
	var changes []Change
	report := func(ch Change) {
		changes = append(changes, ch)
		fmt.Fprintln(out, ch)
	}
	for _, svc := range p.Services {
		ch, err := c.reloadService(ctx, stack, svc, left[svc.Name], ids, opts)
		if err != nil {
			return changes, err
		}
		report(ch)
		delete(left, svc.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(left)) {
		if err := c.removeService(ctx, left[name], opts); err != nil {
			return changes, &ServiceError{Service: name, Err: err}
		}
		report(Change{Service: name, Kind: Removed})
	}
	return changes, nil
}

// RestartService restarts the containers of one service of a stack one at a time, the
// body `rancher restart` sends, and waits until the service is active again.
func (c *Client) RestartService(ctx context.Context, stackName, name string,
	opts ReloadOptions) error {
	_, deployed, err := c.liveServices(ctx, stackName)
	if err != nil {
		return err
	}
	for _, r := range deployed {
		if r.Str("name") != name {
			continue
		}
		body := map[string]any{"rollingRestartStrategy": map[string]any{"batchSize": 1,
			"intervalMillis": 0}}
		next, err := c.Action(ctx, r, "restart", body)
		if err != nil {
			return fmt.Errorf("restart %s: %w", name, err)
		}
		_, err = c.waitSettled(ctx, next, opts)
		return err
	}
	return fmt.Errorf("restart %s: no such service in stack %s", name, stackName)
}

// liveServices returns a stack and its services that are not being removed.
func (c *Client) liveServices(ctx context.Context, name string) (Resource, []Resource,
	error) {
	stack, err := c.FindByName(ctx, "stacks", name, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("find stack %s: %w", name, err)
	}
	if stack == nil {
		return nil, nil, fmt.Errorf("stack %s no longer exists: run spinlocal up to deploy "+
			"it again", name)
	}
	q := url.Values{"stackId": {stack.Str("id")}, "removed_null": {"1"}}
	items, err := c.List(ctx, "services", q)
	if err != nil {
		return nil, nil, fmt.Errorf("list services of stack %s: %w", name, err)
	}
	var live []Resource
	for _, r := range items {
		if s := r.Str("state"); s != "removing" && s != "removed" {
			live = append(live, r)
		}
	}
	return stack, live, nil
}

// reloadService applies one service of the files to its deployed resource r (nil when
// the service is new).
func (c *Client) reloadService(ctx context.Context, stack Resource, svc compose.Service,
	r Resource, ids map[string]string, opts ReloadOptions) (Change, error) {
	fail := func(err error) (Change, error) {
		return Change{}, &ServiceError{Service: svc.Name, Err: err}
	}
	if r == nil {
		ch, err := c.createService(ctx, stack, svc, ids, opts)
		if err != nil {
			return fail(err)
		}
		return ch, nil
	}
	if kind := r.Str("type"); kind != svc.Kind {
		return fail(fmt.Errorf("its kind changed from %s to %s, which needs a new service: "+
			"remove it first", kind, svc.Kind))
	}
	plan := planUpgrade(r, svc)
	settings := hash(r) != hashOf(svc.Metadata)
	scale := scaleTarget(r, svc, opts)
	ch := Change{Service: svc.Name, Kind: Unchanged}
	var err error
	if settings || plan.needed() || scale != 0 {
		if r, err = c.readyForUpgrade(ctx, r, opts); err != nil {
			return fail(err)
		}
		// A failed upgrade rolled back there changes what is deployed.
		plan = planUpgrade(r, svc)
	}
	if plan.needed() && r.Str("state") == "inactive" {
		if err := c.recreateInactive(ctx, stack, svc, r, ids, opts); err != nil {
			return fail(err)
		}
		return Change{Service: svc.Name, Kind: Recreated, Detail: plan.detail}, nil
	}
	// Links are not part of the hash; `up` sends them again for every service.
	if err := c.setLinks(ctx, r, svc, stack, ids); err != nil {
		return fail(fmt.Errorf("set links: %w", err))
	}
	if plan.needed() {
		if err := c.upgradeService(ctx, r, svc, plan, opts); err != nil {
			return Change{}, err
		}
		ch.Kind, ch.Detail = Upgraded, plan.detail
	}
	if !settings && scale == 0 {
		return ch, nil
	}
	// The settings go last: sent before an upgrade that is then refused or rolled back,
	// they would stamp the service with the hash of a config it does not run.
	detail := settingsDetail(r, svc)
	from := intField(r, "scale")
	if err := c.updateService(ctx, stack, svc, r, scale, opts); err != nil {
		return fail(err)
	}
	switch {
	case detail == "":
	case ch.Kind == Unchanged:
		ch.Kind, ch.Detail = Updated, detail
	default:
		ch.Detail += ", " + detail
	}
	if scale != 0 {
		ch.ScaleFrom, ch.ScaleTo = from, scale
		if ch.Kind == Unchanged {
			ch.Kind = Scaled
		}
	}
	return ch, nil
}
