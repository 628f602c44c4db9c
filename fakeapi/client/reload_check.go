package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
)

// AuditError is a reload the daemon's Spin audit refused before anything changed. It
// holds every refusal of every service the reload would have sent, as the audit before
// the first deploy does.
type AuditError struct {
	Findings []audit.Finding
}

func (e *AuditError) Error() string {
	msgs := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		msgs[i] = f.Message
	}
	return "refused by the Spin audit: " + strings.Join(msgs, "; ")
}

// checkReload runs, before a reload changes anything, the checks that would otherwise
// fail half way: the Spin audit of every service the files change, and a pull of every
// image an upgrade would replace running containers with. An upgrade stops the old
// containers before it makes the new ones, so an image that cannot be pulled would leave
// the service stopped until it is rolled back.
func (c *Client) checkReload(ctx context.Context, p *compose.Project,
	deployed map[string]Resource, opts ReloadOptions, out io.Writer) error {
	var changed []compose.Service
	pulls := map[string][]string{} // image -> the services that need it
	for _, svc := range p.Services {
		r := deployed[svc.Name]
		if r != nil && r.Str("type") != svc.Kind {
			continue // refused by reloadService, which says why
		}
		if r == nil {
			changed = append(changed, svc)
			continue
		}
		plan := planUpgrade(r, svc)
		if !plan.needed() {
			continue
		}
		changed = append(changed, svc)
		if r.Str("state") == "inactive" || svc.Kind != "service" {
			continue // recreated without starting; balancers run no image of theirs
		}
		for _, img := range newImages(r, plan) {
			pulls[img] = append(pulls[img], svc.Name)
		}
	}
	if err := c.auditChanged(ctx, p, changed, opts, out); err != nil {
		return err
	}
	return c.pullAll(ctx, pulls, opts)
}

// newImages lists the images of an upgrade plan that the deployed service does not run.
func newImages(r Resource, plan upgradePlan) []string {
	running := map[string]bool{}
	if lc, ok := r["launchConfig"].(map[string]any); ok {
		running[imageName(lc)] = true
	}
	list, _ := r["secondaryLaunchConfigs"].([]any)
	for _, raw := range list {
		if lc, ok := raw.(map[string]any); ok {
			running[imageName(lc)] = true
		}
	}
	var out []string
	for _, lc := range append([]map[string]any{plan.primary}, plan.sidekicks...) {
		if img := imageName(lc); img != "" && !running[img] && !slices.Contains(out, img) {
			out = append(out, img)
		}
	}
	return out
}

// auditChanged asks the daemon's audit about the services a reload changes, prints the
// warnings not in opts.Warned and fails with an *AuditError holding every refusal.
func (c *Client) auditChanged(ctx context.Context, p *compose.Project,
	changed []compose.Service, opts ReloadOptions, out io.Writer) error {
	if len(changed) == 0 {
		return nil
	}
	findings, err := c.auditServices(ctx, p, changed)
	if err != nil {
		return err
	}
	var refused []audit.Finding
	for _, f := range findings {
		switch {
		case f.Level == audit.Reject:
			refused = append(refused, f)
		case f.Level != audit.Warn || opts.Warned[f.Message]:
		default:
			fmt.Fprintf(out, "reload: audit warning (%s): %s\n", f.Rule, f.Message)
			if opts.Warned != nil {
				opts.Warned[f.Message] = true
			}
		}
	}
	if len(refused) > 0 {
		return &AuditError{Findings: refused}
	}
	return nil
}

// AuditWarnings returns the messages of the warnings the daemon's audit has for the
// services of p (what `up` printed when it deployed them), to start
// ReloadOptions.Warned with.
func (c *Client) AuditWarnings(ctx context.Context, p *compose.Project) (map[string]bool,
	error) {
	findings, err := c.auditServices(ctx, p, p.Services)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, f := range findings {
		if f.Level == audit.Warn {
			out[f.Message] = true
		}
	}
	return out, nil
}

// auditServices runs the daemon's project audit on some services of p and returns the
// findings about them; the stack's own rules were applied when it was made. A daemon
// without the project audit gives none: it audits each change anyway.
func (c *Client) auditServices(ctx context.Context, p *compose.Project,
	list []compose.Service) ([]audit.Finding, error) {
	var services []map[string]any
	for _, s := range list {
		services = append(services, map[string]any{"name": s.Name,
			"launchConfig": s.LaunchConfig, "secondaryLaunchConfigs": s.SecondaryLaunchConfigs})
	}
	var reply struct {
		Findings []audit.Finding `json:"findings"`
	}
	u := c.Base + "/spinlocal/v1/projects/" + c.Project + "/audit"
	err := c.Do(ctx, http.MethodPost, u, map[string]any{"stack": p.Name,
		"tags": projectTags(p), "services": services}, &reply)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []audit.Finding
	for _, f := range reply.Findings {
		if f.Service != "" {
			out = append(out, f)
		}
	}
	return out, nil
}

// projectTags is the value of the audit's tags label, taken from the first launch config
// that has labels, as the deploy's audit takes it.
func projectTags(p *compose.Project) string {
	for _, s := range p.Services {
		for _, lc := range append([]map[string]any{s.LaunchConfig},
			s.SecondaryLaunchConfigs...) {
			labels, _ := lc["labels"].(map[string]any)
			if tags, _ := labels[audit.TagsLabel].(string); tags != "" {
				return tags
			}
		}
	}
	return ""
}

// pullAll pulls images through the daemon's pull tasks (what `rancher up --pull` uses),
// all at once, and fails with a *ServiceError per service whose image cannot be had. A
// pull that fails while the image is on the host counts as done, as for the upgrade.
func (c *Client) pullAll(ctx context.Context, pulls map[string][]string,
	opts ReloadOptions) error {
	tasks := map[string]Resource{}
	for _, img := range slices.Sorted(maps.Keys(pulls)) {
		t, err := c.Create(ctx, "pulltasks", map[string]any{"image": img})
		if IsNotFound(err) {
			return nil // a daemon without pull tasks: the upgrade pulls
		}
		if err != nil {
			return fmt.Errorf("pull image %s: %w", img, err)
		}
		tasks[img] = t
	}
	var failed []error
	for _, img := range slices.Sorted(maps.Keys(pulls)) {
		t, err := c.waitSettled(ctx, tasks[img], opts)
		if err == nil && t.Str("state") == "active" {
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("pull image %s: %w", img, ctx.Err())
		}
		why := t.Str("transitioningMessage")
		if why == "" && err != nil {
			why = err.Error()
		}
		for _, name := range pulls[img] {
			failed = append(failed, &ServiceError{Service: name, Err: fmt.Errorf(
				"%s; it was not upgraded and keeps its containers", why)})
		}
	}
	return errors.Join(failed...)
}
