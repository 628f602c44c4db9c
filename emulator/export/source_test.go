package export

import (
	"errors"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
)

// fakeSource is an emulator with two stacks and a secret.
type fakeSource struct {
	stacks   map[string]emulator.Stack
	services []emulator.Service
}

func (f *fakeSource) Secrets(string) []emulator.Secret {
	return []emulator.Secret{{Meta: emulator.Meta{ID: "1se1", Name: "db.pw"}}}
}

func (f *fakeSource) Stack(_, id string) (emulator.Stack, error) {
	st, ok := f.stacks[id]
	if !ok {
		return emulator.Stack{}, errors.New("no such stack")
	}
	return st, nil
}

func (f *fakeSource) Services(string) []emulator.Service { return f.services }

func (f *fakeSource) Service(_, id string) (emulator.Service, error) {
	for _, s := range f.services {
		if s.ID == id {
			return s, nil
		}
	}
	return emulator.Service{}, errors.New("no such service")
}

func service(id, stack, name string, links ...emulator.ServiceLink) emulator.Service {
	return emulator.Service{Meta: emulator.Meta{ID: id, Name: name, Type: "service"},
		StackID: stack, Scale: 1, LaunchConfig: img(nil), Links: links,
		Metadata: map[string]any{hashLabel: "h"}}
}

func TestReply(t *testing.T) {
	gone := time.Now()
	removed := service("1s4", "1st1", "old")
	removed.Removed = &gone
	src := &fakeSource{stacks: map[string]emulator.Stack{
		"1st1": {Meta: emulator.Meta{ID: "1st1", Name: "app"}},
		"1st2": {Meta: emulator.Meta{ID: "1st2", Name: "mongo"}}},
		services: []emulator.Service{
			service("1s1", "1st1", "web", emulator.ServiceLink{Name: "database",
				ServiceID: "1s2"}, emulator.ServiceLink{ServiceID: "1s3"},
				emulator.ServiceLink{Name: "x", ServiceID: "1s4"}),
			service("1s2", "1st1", "db"),
			service("1s3", "1st2", "cluster"),
			removed,
		}}
	src.services[0].Secondary = []map[string]any{img(map[string]any{"name": "log"})}
	src.services[0].StartOnCreate = true
	src.services[1].Type, src.services[1].LaunchConfig = "dnsService", map[string]any{}
	src.services[2].LaunchConfig = img(map[string]any{"secrets": []any{
		map[string]any{"secretId": "1se1", "name": "pw"}}})

	reply, err := Reply(src, "1a5", src.stacks["1st1"])
	if err != nil {
		t.Fatal(err)
	}
	if reply["type"] != "composeConfig" {
		t.Errorf("type = %v", reply["type"])
	}
	if a, ok := reply["actions"].(map[string]any); !ok || len(a) != 0 {
		t.Errorf("actions = %v, want an empty map", reply["actions"])
	}
	docker := parseYAML(t, reply["dockerComposeConfig"].(string))
	rancher := parseYAML(t, reply["rancherComposeConfig"].(string))
	sameData(t, "docker services", docker["services"], fromYAML(t, `
db: {image: rancher/dns-service}
log: {image: nginx:1.13}
web: {image: nginx:1.13, labels: {io.rancher.sidekicks: log},
  links: ["db:database"], external_links: [mongo/cluster]}`))
	sameData(t, "rancher services", rancher["services"],
		fromYAML(t, `{db: {scale: 1}, web: {scale: 1}}`))

	// The secret is named after the stored secret, and by its mount name without one.
	for _, c := range []struct {
		src  Source
		want string
	}{{src, "{source: db.pw, target: pw}"}, {struct{ Source }{src}, "pw"}} {
		reply, err := Reply(c.src, "1a5", src.stacks["1st2"])
		if err != nil {
			t.Fatal(err)
		}
		docker := parseYAML(t, reply["dockerComposeConfig"].(string))
		sameData(t, "secrets", serviceIn(docker, "cluster")["secrets"],
			[]any{fromYAML(t, c.want)})
	}
}
