package fakeapi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// urls builds the absolute links of one request.
type urls struct {
	base string // scheme://host
	pid  string
}

func (u urls) api() string     { return u.base + "/v2-beta" }
func (u urls) project() string { return u.api() + "/projects/" + u.pid }

func (u urls) self(collection, id string) string {
	return u.project() + "/" + collection + "/" + strings.ToLower(id)
}

// actions renders the action map of a resource in Cattle's form: <self>/?action=<name>.
func actions(self string, names []string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = self + "/?action=" + n
	}
	return out
}

// base fills the fields every resource carries.
func base(m emulator.Meta, baseType string) map[string]any {
	out := map[string]any{"id": m.ID, "type": m.Type, "baseType": baseType, "kind": m.Type,
		"name": m.Name, "description": nullable(m.Description), "state": m.State,
		"transitioning": m.Transitioning, "transitioningMessage": m.TransitioningMessage,
		"transitioningProgress": nil, "uuid": m.UUID, "removeTime": nil}
	if m.AccountID != "" {
		out["accountId"] = m.AccountID
	}
	created := m.Created
	stamp(out, "created", &created)
	stamp(out, "removed", m.Removed)
	return out
}

func (u urls) renderProject(p emulator.Project) map[string]any {
	m := base(p.Meta, "account")
	m["orchestration"] = p.Orchestration
	m["healthState"] = "healthy"
	m["virtualMachine"] = false
	m["projectTemplateId"] = p.TemplateID
	if p.TemplateID == "" {
		m["projectTemplateId"] = emulator.CattleTemplate.ID
	}
	m["members"] = []any{}
	if p.Owner != "" {
		m["members"] = []any{map[string]any{"externalId": p.Owner,
			"externalIdType": "rancher_id", "role": "owner"}}
	}
	self := u.api() + "/projects/" + p.ID
	m["links"] = map[string]any{"self": self, "schemas": self + "/schemas"}
	m["actions"] = actions(self, emulator.ProjectActions(p.State))
	return m
}

func (u urls) renderHost(h emulator.Host, instanceIDs []string) map[string]any {
	m := base(h.Meta, "host")
	m["accountId"] = u.pid
	m["hostname"] = h.Hostname
	m["agentState"] = "active"
	m["agentIpAddress"] = "127.0.0.1"
	m["labels"] = map[string]string{}
	m["instanceIds"] = nonNil(instanceIDs)
	self := u.self("hosts", h.ID)
	m["links"] = map[string]any{"self": self, "instances": self + "/instances",
		"account": u.project()}
	m["actions"] = actions(self, emulator.Actions(emulator.KindHost, h.State))
	return m
}

func (u urls) renderStack(s emulator.Stack, serviceIDs []string) map[string]any {
	m := base(s.Meta, "stack")
	m["healthState"] = s.HealthState
	m["externalId"] = ""
	m["serviceIds"] = nonNil(serviceIDs)
	m["system"] = s.System
	m["group"] = nullable(s.Group)
	m["startOnCreate"] = s.StartOnCreate
	m["environment"] = s.Environment
	m["outputs"] = nil
	self := u.self("stacks", s.ID)
	m["links"] = map[string]any{"self": self, "services": self + "/services",
		"account": u.project()}
	m["actions"] = actions(self, emulator.Actions(emulator.KindStack, s.State))
	return m
}

func (u urls) renderService(s emulator.Service, instances []emulator.Container,
	consumed []emulator.ServiceLink, fqdn string) map[string]any {
	m := base(s.Meta, "service")
	m["stackId"] = s.StackID
	m["healthState"] = s.HealthState
	m["scale"] = s.Scale
	m["system"] = false
	m["startOnCreate"] = s.StartOnCreate
	m["retainIp"] = s.RetainIP
	m["createIndex"] = s.CreateIndex
	m["launchConfig"] = orEmpty(s.LaunchConfig)
	m["secondaryLaunchConfigs"] = nonNilMaps(s.Secondary)
	m["metadata"] = s.Metadata
	m["upgrade"] = nil
	if up := s.Upgrade; up != nil {
		m["upgrade"] = map[string]any{"inServiceStrategy": map[string]any{
			"batchSize": up.BatchSize, "intervalMillis": up.IntervalMillis,
			"startFirst": up.StartFirst, "launchConfig": up.LaunchConfig,
			"secondaryLaunchConfigs":         up.Secondary,
			"previousLaunchConfig":           up.PreviousLaunchConf,
			"previousSecondaryLaunchConfigs": up.PreviousSecondary}}
	}
	// fqdn is the public name of a service that publishes a port, null otherwise.
	m["fqdn"] = nullable(fqdn)
	for k, v := range s.Extra {
		m[k] = v
	}
	m["instanceIds"], m["currentScale"] = scaleFields(s, instances)
	linked := map[string]any{}
	for _, l := range consumed {
		linked[l.Name] = l.ServiceID
	}
	m["linkedServices"] = linked
	m["publicEndpoints"] = u.publicEndpoints(s, instances)
	self := u.self("services", s.ID)
	m["links"] = map[string]any{"self": self, "instances": self + "/instances",
		"stack": u.self("stacks", s.StackID), "account": u.project(),
		"consumedservices":   self + "/consumedservices",
		"consumedbyservices": self + "/consumedbyservices"}
	m["actions"] = actions(self, emulator.Actions(s.Type, s.State))
	return m
}

// scaleFields gives a service's instanceIds and currentScale. `rancher ps` shows SCALE as
// len(instanceIds)/scale, so instanceIds holds the primaries (the instances link lists
// sidekicks too), without those in error or being removed, which Cattle took out of the
// service; stopped ones stay, as in Cattle (an upgraded service shows 2/1 with its old
// units). currentScale counts the units whose every member runs, or ran once for
// start_once, and none of an upgrade's retired ones.
func scaleFields(s emulator.Service, instances []emulator.Container) ([]string, int) {
	ids := make([]string, 0, len(instances))
	members := 1
	for _, sk := range s.Secondary {
		if n, _ := sk["name"].(string); n != "" {
			members++
		}
	}
	up := map[int]int{}
	for _, c := range instances {
		if c.Removed != nil || c.State == "error" || c.State == "removing" {
			continue
		}
		if c.LaunchConfig == "" {
			ids = append(ids, c.ID)
		}
		if !c.Retired && (c.State == "running" || ranOnce(c)) {
			up[c.ServiceIndex]++
		}
	}
	current := 0
	for _, n := range up {
		if n == members {
			current++
		}
	}
	return ids, current
}

// ranOnce reports whether a start_once container has run and stopped.
func ranOnce(c emulator.Container) bool {
	labels, _ := c.Spec["labels"].(map[string]any)
	return c.State == "stopped" && c.StartCount > 0 &&
		fmt.Sprint(labels["io.rancher.container.start_once"]) == "true"
}

// publicEndpoints lists the published ports of a service's running primaries.
func (u urls) publicEndpoints(s emulator.Service, instances []emulator.Container) []any {
	out := []any{}
	for _, c := range instances {
		if c.State != "running" || c.LaunchConfig != "" {
			continue
		}
		for _, p := range publishedPorts(c.Spec) {
			out = append(out, map[string]any{"type": "publicEndpoint", "hostId": c.HostID,
				"instanceId": c.ID, "serviceId": s.ID, "ipAddress": p.ip, "port": p.port})
		}
	}
	return out
}

type published struct {
	ip   string
	port int
}

// publishedPorts reads host ports out of a launch config's "ports".
func publishedPorts(lc map[string]any) []published {
	raw, _ := lc["ports"].([]any)
	var out []published
	for _, r := range raw {
		s, _ := r.(string)
		s, _, _ = strings.Cut(s, "/")
		parts := strings.Split(s, ":")
		ip := "127.0.0.1"
		var host string
		switch len(parts) {
		case 2:
			host = parts[0]
		case 3:
			ip, host = parts[0], parts[1]
		default:
			continue
		}
		lo, hi, isRange := strings.Cut(host, "-")
		if !isRange {
			hi = lo
		}
		first, ferr := strconv.Atoi(lo)
		last, lerr := strconv.Atoi(hi)
		for n := first; ferr == nil && lerr == nil && n <= last && n > 0; n++ {
			out = append(out, published{ip: ip, port: n})
		}
	}
	return out
}

func (u urls) renderContainer(c emulator.Container) map[string]any {
	m := base(c.Meta, "instance")
	m["imageUuid"] = c.ImageUUID
	m["hostId"] = c.HostID
	m["primaryIpAddress"] = nullable(c.IPAddress)
	m["externalId"] = nullable(c.DockerID)
	m["healthState"] = nullable(c.HealthState)
	m["stackId"] = nullable(c.StackID)
	m["serviceIds"] = []string{}
	if c.ServiceID != "" {
		m["serviceIds"] = []string{c.ServiceID}
	}
	m["labels"] = c.Labels
	m["createIndex"] = c.CreateIndex
	m["serviceIndex"] = strconv.Itoa(c.ServiceIndex)
	m["deploymentUnitUuid"] = nullable(c.UnitUUID)
	m["version"] = nullable(c.Version)
	if hc, ok := c.Spec["healthCheck"]; ok {
		m["healthCheck"] = hc
	}
	m["startCount"] = c.StartCount
	m["system"] = false
	m["nativeContainer"] = false
	m["firstRunning"] = nil
	for _, k := range []string{"ports", "dataVolumes", "environment", "command", "user",
		"capAdd", "capDrop", "networkMode"} {
		if v, ok := c.Spec[k]; ok {
			m[k] = v
		}
	}
	self := u.self("containers", c.ID)
	m["links"] = map[string]any{"self": self, "hosts": self + "/hosts",
		"services": self + "/services", "account": u.project()}
	m["actions"] = actions(self, emulator.Actions(emulator.KindContainer, c.State))
	return m
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func nonNilMaps(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// sortByID orders rendered resources by Cattle id.
func sortByID(items []map[string]any) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := asString(items[i]["id"]), asString(items[j]["id"])
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
}
