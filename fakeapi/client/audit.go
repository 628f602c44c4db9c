package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
)

// preAudit asks the daemon to audit the whole project under its policy before anything
// is created, prints the warnings, and fails with every refusal at once.
func (c *Client) preAudit(ctx context.Context, p *compose.Project, out io.Writer) error {
	var services []map[string]any
	tags := ""
	for _, s := range p.Services {
		services = append(services, map[string]any{"name": s.Name,
			"launchConfig": s.LaunchConfig, "secondaryLaunchConfigs": s.SecondaryLaunchConfigs})
		for _, lc := range append([]map[string]any{s.LaunchConfig},
			s.SecondaryLaunchConfigs...) {
			if labels, ok := lc["labels"].(map[string]any); ok && tags == "" {
				tags, _ = labels[audit.TagsLabel].(string)
			}
		}
	}
	var reply struct {
		Findings []audit.Finding `json:"findings"`
	}
	u := c.Base + "/spinlocal/v1/projects/" + c.Project + "/audit"
	err := c.Do(ctx, http.MethodPost, u, map[string]any{"stack": p.Name, "tags": tags,
		"services": services}, &reply)
	if IsNotFound(err) {
		return nil // a daemon without the pre-deploy audit: each create is audited anyway
	}
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
		return fmt.Errorf("%w; nothing was created", err) // you don't own ...
	}
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	var refused []string
	for _, f := range reply.Findings {
		switch f.Level {
		case audit.Reject:
			refused = append(refused, "  "+f.Message)
		case audit.Warn:
			fmt.Fprintf(out, "audit warning (%s): %s\n", f.Rule, f.Message)
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("the Spin audit refuses the project; nothing was created:\n%s",
			strings.Join(refused, "\n"))
	}
	return nil
}
