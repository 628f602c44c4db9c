package client

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// StackVolumes are the live volumes made from a stack's volume templates. The daemon
// removes them itself once the stack is gone.
func (c *Client) StackVolumes(ctx context.Context, stackID string) ([]Resource, error) {
	all, err := c.List(ctx, "volumes", nil)
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []Resource
	for _, v := range all {
		if v.Str("stackId") == stackID && v.Str("state") != "removed" {
			out = append(out, v)
		}
	}
	return out, nil
}

// WaitVolumesGone polls until none of vols is live and returns their names.
func (c *Client) WaitVolumesGone(ctx context.Context, vols []Resource,
	poll time.Duration) ([]string, error) {
	var names []string
	for _, v := range vols {
		if err := c.waitVolumeGone(ctx, v, poll); err != nil {
			return names, err
		}
		names = append(names, v.Str("name"))
	}
	return names, nil
}

// waitVolumeGone polls one volume until it is removed or unknown.
func (c *Client) waitVolumeGone(ctx context.Context, v Resource, poll time.Duration) error {
	for v.Str("state") != "removed" {
		select {
		case <-ctx.Done():
			return fmt.Errorf("volume %s is still %s (%s): %w", v.Str("name"),
				v.Str("state"), v.Str("transitioningMessage"), ctx.Err())
		case <-time.After(poll):
		}
		next, err := c.Get(ctx, v.Link("self"))
		if IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("volume %s: %w", v.Str("name"), err)
		}
		v = next
	}
	return nil
}

// EnvironmentVolumes returns the environment volumes the services of a stack mount by
// name: volumes not made from one of its templates. Volumes the stack declares external
// are left out and returned by name as kept: they existed before the stack.
func (c *Client) EnvironmentVolumes(ctx context.Context, stack Resource) (vols []Resource,
	kept []string, err error) {
	svcs, err := c.StackServices(ctx, stack)
	if err != nil {
		return nil, nil, err
	}
	templates, err := c.List(ctx, "volumetemplates",
		url.Values{"stackId": {stack.Str("id")}})
	if err != nil {
		return nil, nil, fmt.Errorf("volume templates of %s: %w", stack.Str("name"), err)
	}
	external := map[string]bool{}
	for _, t := range templates {
		if t.Str("stackId") == stack.Str("id") {
			external[t.Str("name")], _ = t["external"].(bool)
		}
	}
	wanted := map[string]bool{}
	for _, s := range svcs {
		for _, n := range VolumeNames(s) {
			isExternal, isTemplate := external[n]
			switch {
			case isExternal:
				kept = append(kept, n)
			case !isTemplate:
				wanted[n] = true
			}
		}
	}
	all, err := c.List(ctx, "volumes", nil)
	if err != nil {
		return nil, nil, fmt.Errorf("list volumes: %w", err)
	}
	for _, v := range all {
		if wanted[v.Str("name")] && v.Str("stackId") == "" && v.Str("state") != "removed" {
			vols = append(vols, v)
		}
	}
	return vols, dedupe(kept), nil
}

// VolumeUsers names who else holds on to a volume: containers that mount it, and live
// services outside stackID whose launch configs name it.
func (c *Client) VolumeUsers(ctx context.Context, v Resource, stackID string) ([]string,
	error) {
	cur, err := c.Get(ctx, v.Link("self"))
	if err != nil {
		return nil, fmt.Errorf("volume %s: %w", v.Str("name"), err)
	}
	var users []string
	mounts, _ := cur["mounts"].([]any)
	for _, m := range mounts {
		mm, _ := m.(map[string]any)
		if name, _ := mm["instanceName"].(string); name != "" {
			users = append(users, "container "+name)
		}
	}
	svcs, err := c.List(ctx, "services", url.Values{"removed_null": {"1"}})
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	for _, s := range svcs {
		if s.Str("stackId") == stackID || s.Str("state") == "removing" {
			continue
		}
		for _, n := range VolumeNames(s) {
			if n != v.Str("name") {
				continue
			}
			stackName := s.Str("stackId")
			if st, err := c.Get(ctx, c.ProjectURL()+"/stacks/"+s.Str("stackId")); err == nil {
				stackName = st.Str("name")
			}
			users = append(users, "service "+stackName+"/"+s.Str("name"))
		}
	}
	return dedupe(users), nil
}

// VolumeNames are the named volumes ("name:/path") a service's launch configs mount,
// sidekicks included; bind mounts and anonymous volumes are left out.
func VolumeNames(svc Resource) []string {
	cfgs := []any{svc["launchConfig"]}
	side, _ := svc["secondaryLaunchConfigs"].([]any)
	cfgs = append(cfgs, side...)
	var out []string
	for _, cfg := range cfgs {
		m, _ := cfg.(map[string]any)
		entries, _ := m["dataVolumes"].([]any)
		for _, e := range entries {
			s, _ := e.(string)
			name, _, found := strings.Cut(s, ":")
			if !found || name == "" || strings.ContainsAny(name[:1], "/.~") ||
				strings.Contains(name, "/") {
				continue
			}
			out = append(out, name)
		}
	}
	return dedupe(out)
}

// dedupe sorts names and drops repeats.
func dedupe(names []string) []string {
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}
