package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// kindCollections maps a service kind to the collection it is created in.
var kindCollections = map[string]string{"service": "services",
	"loadBalancerService": "loadbalancerservices", "dnsService": "dnsservices",
	"externalService": "externalservices"}

// Deployment is what Deploy made or found.
type Deployment struct {
	Stack    Resource
	Services []Resource
	// Failed names the services that went to error; Deploy went on with the rest, as
	// rancher up does.
	Failed []string
}

// Deploy brings a compose project up through the API the way `rancher up -d` does: find or
// create the stack, create missing services (inactive), set links, activate, and wait until
// every service settles. Progress lines go to out.
func (c *Client) Deploy(ctx context.Context, p *compose.Project, out io.Writer) (*Deployment,
	error) {
	if err := c.preAudit(ctx, p, out); err != nil {
		return nil, err
	}
	stack, err := c.FindByName(ctx, "stacks", p.Name, nil)
	if err != nil {
		return nil, err
	}
	if stack == nil {
		fmt.Fprintf(out, "Creating stack %s\n", p.Name)
		stack, err = c.Create(ctx, "stacks", map[string]any{"name": p.Name})
		if isCode(err, "NotUnique") {
			// Another `up` of the same project made it a moment ago: use theirs.
			stack, err = c.FindByName(ctx, "stacks", p.Name, nil)
		}
		if err != nil || stack == nil {
			return nil, fmt.Errorf("create stack %s: %w", p.Name, err)
		}
	}
	if err := c.checkTopLevel(ctx, p, stack, out); err != nil {
		return nil, err
	}
	d := &Deployment{Stack: stack}
	ids := map[string]string{}
	var failures []error
	for _, svc := range p.Services {
		r, err := c.ensureService(ctx, stack, svc, out)
		if err != nil {
			return d, fmt.Errorf("service %s: %w", svc.Name, err)
		}
		ids[svc.Name] = r.Str("id")
		if err := c.setLinks(ctx, r, svc, stack, ids); err != nil {
			return d, fmt.Errorf("service %s: %w", svc.Name, err)
		}
		if svc.StartOnCreate != nil && !*svc.StartOnCreate {
			// start_on_create: false (a job started by hand or by a schedule).
			fmt.Fprintf(out, "[%s]: Created, not started (start_on_create: false)\n",
				svc.Name)
			d.Services = append(d.Services, r)
			continue
		}
		if r.Str("state") != "active" && r.Action("activate") != "" {
			fmt.Fprintf(out, "[%s]: Starting\n", svc.Name)
			next, err := c.Action(ctx, r, "activate", nil)
			if isCode(err, "ActionNotAvailable") {
				// Activated meanwhile by a concurrent `up`: wait for it like ours.
				next, err = c.Get(ctx, r.Link("self"))
			}
			if err != nil {
				return d, fmt.Errorf("activate service %s: %w", svc.Name, err)
			}
			r = next
		}
		// Dependencies first: a service is settled before the services that link to it.
		r, err = c.WaitSettled(ctx, r, 200*time.Millisecond)
		if err != nil && ctx.Err() == nil && r.Str("transitioning") == "error" {
			// One service failing does not hold back the others, as with rancher up.
			fmt.Fprintf(out, "[%s]: Failed: %s\n", svc.Name, r.Str("transitioningMessage"))
			failures = append(failures, err)
			d.Failed = append(d.Failed, svc.Name)
			d.Services = append(d.Services, r)
			continue
		}
		if err != nil {
			return d, err
		}
		fmt.Fprintf(out, "[%s]: Started\n", svc.Name)
		d.Services = append(d.Services, r)
	}
	return d, errors.Join(failures...)
}

// checkTopLevel handles top-level secrets and volumes before any service is made. A
// secret given by file is created from it unless one of that name exists.
func (c *Client) checkTopLevel(ctx context.Context, p *compose.Project, stack Resource,
	out io.Writer) error {
	for _, name := range slices.Sorted(maps.Keys(p.Secrets)) {
		found, err := c.FindByName(ctx, "secrets", name, nil)
		if err != nil {
			return err
		}
		sec := p.Secrets[name]
		switch {
		case found != nil:
			fmt.Fprintf(out, "Secret %s already exists\n", name)
		case sec.External || sec.File == "":
			return fmt.Errorf("existing secret %s not found: create it first with "+
				"`rancher secrets create %s FILE`", name, name)
		default:
			fmt.Fprintf(out, "Creating secret %s with contents from file %s\n", name,
				sec.File)
			if err := c.createSecret(ctx, name, sec.File); err != nil {
				return err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Volumes)) {
		if err := c.ensureVolumeTemplate(ctx, stack, p.Volumes[name], out); err != nil {
			return err
		}
	}
	return nil
}

// ensureVolumeTemplate finds the stack's template for a top-level volume or creates it,
// as the CLI does; a template whose driver differs from the file's must be recreated.
func (c *Client) ensureVolumeTemplate(ctx context.Context, stack Resource, v compose.Volume,
	out io.Writer) error {
	q := url.Values{"stackId": {stack.Str("id")}}
	found, err := c.FindByName(ctx, "volumetemplates", v.Name, q)
	if err != nil {
		return err
	}
	if found != nil {
		fmt.Fprintf(out, "Existing volume template found for %s\n", v.Name)
		if v.Driver != "" && found.Str("driver") != v.Driver {
			return fmt.Errorf("volume %q needs to be recreated: its driver has changed "+
				"(remove the stack or the volume first)", v.Name)
		}
		return nil
	}
	fmt.Fprintf(out, "Creating volume template %s\n", v.Name)
	body := map[string]any{"name": v.Name, "driver": v.Driver, "driverOpts": v.DriverOpts,
		"external": v.External, "perContainer": v.PerContainer, "stackId": stack.Str("id")}
	if _, err := c.Create(ctx, "volumetemplates", body); err != nil {
		return fmt.Errorf("create volume template %s: %w", v.Name, err)
	}
	return nil
}

// createSecret creates secret name with the contents of file.
func (c *Client) createSecret(ctx context.Context, name, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("secret %s: %w", name, err)
	}
	body := map[string]any{"name": name, "value": base64.StdEncoding.EncodeToString(data)}
	clear(data)
	if _, err := c.Create(ctx, "secrets", body); err != nil {
		return fmt.Errorf("create secret %s: %w", name, err)
	}
	return nil
}

// ensureService finds a service of the stack or creates it.
func (c *Client) ensureService(ctx context.Context, stack Resource, svc compose.Service,
	out io.Writer) (Resource, error) {
	fmt.Fprintf(out, "[%s]: Creating\n", svc.Name)
	q := url.Values{"stackId": {stack.Str("id")}}
	r, err := c.FindByName(ctx, "services", svc.Name, q)
	if err != nil {
		return nil, err
	}
	if r != nil {
		if hash(r) != hashOf(svc.Metadata) {
			fmt.Fprintf(out, "Service %s is out of sync with local configuration file\n",
				svc.Name)
		}
		return r, nil
	}
	lc, err := c.resolveSecrets(ctx, svc.LaunchConfig)
	if err != nil {
		return nil, err
	}
	lc = withoutRestartPolicy(lc)
	body := map[string]any{"name": svc.Name, "stackId": stack.Str("id"), "scale": svc.Scale,
		"launchConfig": lc, "metadata": svc.Metadata, "retainIp": svc.RetainIP}
	if len(svc.SecondaryLaunchConfigs) > 0 {
		var side []any
		for _, s := range svc.SecondaryLaunchConfigs {
			s, err := c.resolveSecrets(ctx, s)
			if err != nil {
				return nil, err
			}
			side = append(side, s)
		}
		body["secondaryLaunchConfigs"] = side
	}
	for k, v := range svc.Fields {
		body[k] = v
	}
	coll := kindCollections[svc.Kind]
	if coll == "" {
		coll = "services"
	}
	fmt.Fprintf(out, "Creating service %s\n", svc.Name)
	r, err = c.Create(ctx, coll, body)
	if isCode(err, "NotUnique") {
		// A concurrent `up` created it first.
		if r, err = c.FindByName(ctx, "services", svc.Name, q); err == nil && r == nil {
			err = fmt.Errorf("service %s vanished while being created", svc.Name)
		}
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "[%s]: Created\n", svc.Name)
	return r, nil
}

// resolveSecrets turns compose secret references into the API's secretId references.
func (c *Client) resolveSecrets(ctx context.Context, lc map[string]any) (map[string]any,
	error) {
	refs, _ := lc["secrets"].([]any)
	if len(refs) == 0 {
		return lc, nil
	}
	out := map[string]any{}
	for k, v := range lc {
		out[k] = v
	}
	var resolved []any
	for _, ref := range refs {
		m, _ := ref.(map[string]any)
		src, _ := m["source"].(string)
		found, err := c.FindByName(ctx, "secrets", src, nil)
		if err != nil {
			return nil, err
		}
		if found == nil {
			return nil, fmt.Errorf("failed to find secret %s: create it with "+
				"`rancher secrets create %s FILE`, or declare it under the top-level secrets",
				src, src)
		}
		entry := map[string]any{"secretId": found.Str("id"), "name": src}
		for _, k := range []string{"uid", "gid", "mode"} {
			if v, ok := m[k]; ok {
				entry[k] = v
			}
		}
		if t, ok := m["target"].(string); ok && t != "" {
			entry["name"] = t
		}
		resolved = append(resolved, entry)
	}
	out["secrets"] = resolved
	return out, nil
}

// setLinks sends the service's links and external links, resolved to service ids.
func (c *Client) setLinks(ctx context.Context, r Resource, svc compose.Service,
	stack Resource, ids map[string]string) error {
	if r.Action("setservicelinks") == "" {
		return nil
	}
	var links []any
	for _, l := range svc.Links {
		id, err := c.linkTarget(ctx, l, stack, ids)
		if err != nil {
			return err
		}
		entry := map[string]any{"serviceId": id}
		if l.Alias != "" {
			entry["name"] = l.Alias
		}
		links = append(links, entry)
	}
	body := map[string]any{}
	if len(links) > 0 {
		body["serviceLinks"] = links
	}
	_, err := c.Action(ctx, r, "setservicelinks", body)
	return err
}

func (c *Client) linkTarget(ctx context.Context, l compose.Link, stack Resource,
	ids map[string]string) (string, error) {
	stackID := stack.Str("id")
	name := l.Target
	if st, svc, ok := strings.Cut(l.Target, "/"); ok {
		other, err := c.FindByName(ctx, "stacks", st, nil)
		if err != nil {
			return "", err
		}
		if other == nil {
			return "", fmt.Errorf("link %s: stack %s does not exist", l.Target, st)
		}
		stackID, name = other.Str("id"), svc
	} else if id := ids[name]; id != "" {
		return id, nil
	}
	target, err := c.FindByName(ctx, "services", name, url.Values{"stackId": {stackID}})
	if err != nil {
		return "", err
	}
	if target == nil {
		return "", fmt.Errorf("link %s: no such service", l.Target)
	}
	return target.Str("id"), nil
}

func hash(r Resource) string {
	m, _ := r["metadata"].(map[string]any)
	return hashOf(m)
}

func hashOf(m map[string]any) string {
	s, _ := m["io.rancher.service.hash"].(string)
	return s
}

// withoutRestartPolicy drops restartPolicy, as the Rancher CLI does in a service body:
// Cattle restarts service containers itself.
func withoutRestartPolicy(lc map[string]any) map[string]any {
	if _, ok := lc["restartPolicy"]; !ok {
		return lc
	}
	out := make(map[string]any, len(lc))
	for k, v := range lc {
		if k != "restartPolicy" {
			out[k] = v
		}
	}
	return out
}

// isCode reports whether err is an API error with the given code.
func isCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
