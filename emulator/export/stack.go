package export

import (
	"fmt"
	"sort"
	"strings"
)

// exporter gathers the compose services of one stack.
type exporter struct {
	stack   string
	lookup  Lookup
	docker  map[string]any  // docker-compose services by name
	rancher map[string]any  // rancher-compose entries by name
	secrets map[string]bool // secrets the services mount
}

// Stack renders the services of the stack named stack as docker-compose.yml and
// rancher-compose.yml text. lookup resolves link targets; a link it cannot resolve is
// left out. The error reports services that cannot share one compose file, such as two
// launch configs with the same name.
func Stack(stack string, services []Service, lookup Lookup) (dockerCompose,
	rancherCompose string, err error) {
	e := &exporter{stack: stack, lookup: lookup, docker: map[string]any{},
		rancher: map[string]any{}, secrets: map[string]bool{}}
	sorted := append([]Service(nil), services...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, svc := range sorted {
		if err := e.add(svc); err != nil {
			return "", "", fmt.Errorf("export stack %s: %w", stack, err)
		}
	}

	docker := []section{{"services", e.docker}}
	if len(e.secrets) > 0 {
		// The secrets already exist: the file must not ask the CLI to create them.
		top := map[string]any{}
		for name := range e.secrets {
			top[name] = map[string]any{"external": true}
		}
		docker = append(docker, section{"secrets", top})
	}
	if dockerCompose, err = encode(docker); err != nil {
		return "", "", fmt.Errorf("export stack %s: docker-compose.yml: %w", stack, err)
	}
	if rancherCompose, err = encode([]section{{"services", e.rancher}}); err != nil {
		return "", "", fmt.Errorf("export stack %s: rancher-compose.yml: %w", stack, err)
	}
	return dockerCompose, rancherCompose, nil
}

// add renders a primary service and its sidekicks.
func (e *exporter) add(svc Service) error {
	primary, err := e.launchConfig(svc.Name, svc.LaunchConfig, svc.Secrets)
	if err != nil {
		return err
	}
	switch svc.Kind {
	case "dnsService":
		primary["image"] = dnsImage
	case "externalService":
		primary["image"] = externalImage
	case "loadBalancerService":
		if primary["image"] == nil {
			primary["image"] = lbImage
		}
	}
	var sidekicks []string
	for i, lc := range svc.Secondary {
		name := text(lc["name"])
		if name == "" {
			return fmt.Errorf("service %s: sidekick %d has no name", svc.Name, i+1)
		}
		if _, err := e.launchConfig(name, lc, svc.Secrets); err != nil {
			return err
		}
		if r := rancherLaunch(lc); len(r) > 0 {
			e.rancher[name] = r
		}
		sidekicks = append(sidekicks, name)
	}
	labels, _ := primary["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	sidekickLabelFor(labels, sidekicks)
	// The CLI takes the selectors from these labels (cattle-api.md 7.8).
	for field, label := range map[string]string{"selectorContainer": selContainerLbl,
		"selectorLink": selLinkLabel} {
		if v := text(svc.Extra[field]); v != "" && labels[label] == nil {
			labels[label] = v
		}
	}
	if len(labels) > 0 {
		primary["labels"] = labels
	} else {
		delete(primary, "labels")
	}
	links, external := e.links(svc.Links)
	if len(links) > 0 {
		primary["links"] = links
	}
	if len(external) > 0 {
		primary["external_links"] = external
	}
	e.rancher[svc.Name] = e.rancherService(svc)
	return nil
}

// launchConfig renders one launch config under the compose service name.
func (e *exporter) launchConfig(name string, lc map[string]any, secretNames map[string]string,
) (map[string]any, error) {
	if name == "" {
		return nil, fmt.Errorf("a service has no name")
	}
	if _, taken := e.docker[name]; taken {
		return nil, fmt.Errorf("two services or sidekicks are named %s; a compose file "+
			"holds each name once", name)
	}
	out, used := dockerService(lc, secretNames)
	for _, s := range used {
		e.secrets[s] = true
	}
	e.docker[name] = out
	return out, nil
}

// sidekickLabelFor makes io.rancher.sidekicks name exactly the sidekicks, keeping the
// label as written when it already does.
func sidekickLabelFor(labels map[string]any, sidekicks []string) {
	if len(sidekicks) == 0 {
		delete(labels, sidekickLabel)
		return
	}
	var named []string
	for _, n := range strings.Split(text(labels[sidekickLabel]), ",") {
		if n = strings.TrimSpace(n); n != "" {
			named = append(named, n)
		}
	}
	if strings.Join(named, ",") != strings.Join(sidekicks, ",") {
		labels[sidekickLabel] = strings.Join(sidekicks, ",")
	}
}

// links renders the service links: targets in this stack as links, the others as
// external_links "stack/service"; an alias equal to the target's name is left out.
func (e *exporter) links(list []Link) (links, external []string) {
	for _, l := range list {
		target := e.serviceName(l.ServiceID)
		if target == "" {
			continue
		}
		entry := target
		_, name, _ := strings.Cut(target, "/")
		if name == "" {
			name = target
		}
		if l.Alias != "" && l.Alias != name {
			entry += ":" + l.Alias
		}
		if strings.Contains(target, "/") {
			external = append(external, entry)
		} else {
			links = append(links, entry)
		}
	}
	return links, external
}
