package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
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
}

// String renders the change as one line of `up` output.
func (ch Change) String() string {
	if ch.Detail == "" {
		return fmt.Sprintf("reload: %s %s", ch.Service, ch.Kind)
	}
	return fmt.Sprintf("reload: %s %s (%s)", ch.Service, ch.Kind, ch.Detail)
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
// with PUT; new services are created and services that left the files are removed.
// Scale is never changed, as `rancher up` never changes it.
func (c *Client) Reload(ctx context.Context, p *compose.Project, opts ReloadOptions,
	out io.Writer) ([]Change, error) {
	stack, deployed, err := c.liveServices(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	if err := c.checkTopLevel(ctx, p, stack, io.Discard); err != nil {
		return nil, fmt.Errorf("stack %s: %w", p.Name, err)
	}
	left := map[string]Resource{}
	ids := map[string]string{}
	for _, r := range deployed {
		left[r.Str("name")] = r
		ids[r.Str("name")] = r.Str("id")
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
	ch := Change{Service: svc.Name, Kind: Unchanged}
	var err error
	if settings || plan.needed() {
		if r, err = c.readyForUpgrade(ctx, r, opts); err != nil {
			return fail(err)
		}
	}
	if plan.needed() && r.Str("state") == "inactive" {
		if err := c.recreateInactive(ctx, stack, svc, r, ids, opts); err != nil {
			return fail(err)
		}
		return Change{Service: svc.Name, Kind: Recreated, Detail: plan.detail}, nil
	}
	if settings {
		if r, err = c.updateService(ctx, stack, svc, r, opts); err != nil {
			return fail(err)
		}
		ch.Kind, ch.Detail = Updated, "service settings"
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
	return ch, nil
}

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
// unconfirmed (an interrupted reload) is confirmed first, as `rancher up` does.
func (c *Client) readyForUpgrade(ctx context.Context, r Resource, opts ReloadOptions) (
	Resource, error) {
	r, err := c.waitSettled(ctx, r, opts)
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

// updateService sends changed service settings with PUT: the create body with the
// deployed scale, as the CLI's "Updating" step does.
func (c *Client) updateService(ctx context.Context, stack Resource, svc compose.Service,
	r Resource, opts ReloadOptions) (Resource, error) {
	lc, err := c.resolveSecrets(ctx, svc.LaunchConfig)
	if err != nil {
		return r, err
	}
	body := map[string]any{"name": svc.Name, "stackId": stack.Str("id"), "scale": r["scale"],
		"launchConfig": withoutRestartPolicy(lc), "metadata": svc.Metadata,
		"retainIp": svc.RetainIP}
	side, err := c.resolveAll(ctx, svc.SecondaryLaunchConfigs)
	if err != nil {
		return r, err
	}
	if len(side) > 0 {
		body["secondaryLaunchConfigs"] = side
	}
	for k, v := range svc.Fields {
		body[k] = v
	}
	var next Resource
	if err := c.Do(ctx, http.MethodPut, r.Link("self"), body, &next); err != nil {
		return r, fmt.Errorf("update: %w", err)
	}
	return c.waitSettled(ctx, next, opts)
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

// upgradePlan is what an in-service upgrade of one service sends.
type upgradePlan struct {
	primary   map[string]any   // the new primary launch config, nil when unchanged
	sidekicks []map[string]any // sidekicks that changed or are new
	dropped   []string         // sidekicks no longer in the files
	detail    string           // what changed, for the output line
}

// needed reports whether the CLI would upgrade: a removed sidekick alone does not count
// (cattle-api.md 7.11).
func (pl upgradePlan) needed() bool { return pl.primary != nil || len(pl.sidekicks) > 0 }

// planUpgrade compares the launch config hashes of a deployed service with the files'.
// External and DNS services have no containers to upgrade.
func planUpgrade(r Resource, svc compose.Service) upgradePlan {
	var pl upgradePlan
	if svc.Kind == "externalService" || svc.Kind == "dnsService" {
		return pl
	}
	old, _ := r["launchConfig"].(map[string]any)
	if lcHash(old) != lcHash(svc.LaunchConfig) {
		pl.primary = svc.LaunchConfig
	}
	deployed := map[string]map[string]any{}
	list, _ := r["secondaryLaunchConfigs"].([]any)
	for _, raw := range list {
		if m, ok := raw.(map[string]any); ok {
			deployed[fmt.Sprint(m["name"])] = m
		}
	}
	var parts []string
	if pl.primary != nil {
		parts = changedKeys(old, svc.LaunchConfig)
	}
	for _, sk := range svc.SecondaryLaunchConfigs {
		name := fmt.Sprint(sk["name"])
		if prev, ok := deployed[name]; !ok || lcHash(prev) != lcHash(sk) {
			pl.sidekicks = append(pl.sidekicks, sk)
			parts = append(parts, "sidekick "+name)
		}
		delete(deployed, name)
	}
	pl.dropped = slices.Sorted(maps.Keys(deployed))
	pl.detail = strings.Join(parts, ", ")
	return pl
}

// lcHash is the hash label of a launch config.
func lcHash(lc map[string]any) string {
	labels, _ := lc["labels"].(map[string]any)
	s, _ := labels["io.rancher.service.hash"].(string)
	return s
}

// lcNoise are launch config keys that differ between the files and the daemon without a
// change: the daemon's version stamp, and secrets (names in the files, ids deployed).
var lcNoise = map[string]bool{"version": true, "secrets": true, "labels": true}

// changedKeys names what differs between two launch configs, the image first (with its
// new name) and then the compose-level keys in camelCase, sorted.
func changedKeys(old, next map[string]any) []string {
	var parts []string
	if img := imageName(next); img != imageName(old) {
		parts = append(parts, "image "+img)
	}
	keys := map[string]bool{}
	for k := range next {
		keys[k] = true
	}
	for k := range old {
		keys[k] = true
	}
	var changed []string
	for k := range keys {
		if k != "imageUuid" && !lcNoise[k] && !sameJSON(old[k], next[k]) {
			changed = append(changed, k)
		}
	}
	if !sameJSON(userLabels(old), userLabels(next)) {
		changed = append(changed, "labels")
	}
	sort.Strings(changed)
	return append(parts, changed...)
}

func imageName(lc map[string]any) string {
	s, _ := lc["imageUuid"].(string)
	return strings.TrimPrefix(s, "docker:")
}

// userLabels are a launch config's labels without the hash label.
func userLabels(lc map[string]any) map[string]any {
	labels, _ := lc["labels"].(map[string]any)
	out := map[string]any{}
	for k, v := range labels {
		if k != "io.rancher.service.hash" {
			out[k] = v
		}
	}
	return out
}

// sameJSON compares two values as JSON, so a number read back from the daemon equals the
// one in the files whatever Go type holds it.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
