package export

import (
	"strings"
	"testing"
)

func TestStackSidekicks(t *testing.T) {
	primary := img(map[string]any{"labels": map[string]any{sidekickLabel: "data, log",
		hashLabel: "x"}, "dataVolumesFromLaunchConfigs": []any{"data"}})
	data := img(map[string]any{"name": "data", "dataVolumes": []any{"/srv"},
		"healthCheck": map[string]any{"port": 22, "responseTimeout": 500}})
	log := img(map[string]any{"name": "log", "networkMode": "container",
		"networkLaunchConfig": "web", "ports": []any{"8080:80/tcp"}})
	svc := Service{Name: "web", Scale: 2, LaunchConfig: primary,
		Secondary: []map[string]any{data, log}}

	dc, rc, err := Stack("app", []Service{svc}, stackLookup)
	if err != nil {
		t.Fatal(err)
	}
	docker, rancher := parseYAML(t, dc), parseYAML(t, rc)
	sameData(t, "web", serviceIn(docker, "web"), fromYAML(t, `{image: nginx:1.13,
		labels: {io.rancher.sidekicks: "data, log"}, volumes_from: [data]}`))
	sameData(t, "data", serviceIn(docker, "data"),
		fromYAML(t, `{image: nginx:1.13, volumes: [/srv]}`))
	sameData(t, "log", serviceIn(docker, "log"), fromYAML(t, `{image: nginx:1.13,
		network_mode: "container:web", ports: ["8080:80/tcp"]}`))
	sameData(t, "rancher", rancher["services"], fromYAML(t, `{web: {scale: 2},
		data: {health_check: {port: 22, response_timeout: 500}}}`))

	// A label that names other sidekicks is rewritten; one without sidekicks dropped.
	svc.LaunchConfig = img(map[string]any{"labels": map[string]any{sidekickLabel: "old"}})
	lone := Service{Name: "db", Scale: 1, LaunchConfig: img(map[string]any{
		"labels": map[string]any{sidekickLabel: "ghost"}})}
	dc, _, err = Stack("app", []Service{svc, lone}, stackLookup)
	if err != nil {
		t.Fatal(err)
	}
	docker = parseYAML(t, dc)
	sameData(t, "web labels", serviceIn(docker, "web")["labels"],
		map[string]any{sidekickLabel: "data,log"})
	if l, ok := serviceIn(docker, "db")["labels"]; ok {
		t.Errorf("db labels = %v, want none", l)
	}
}

func TestStackTopLevelSecrets(t *testing.T) {
	a := Service{Name: "a", Scale: 1, LaunchConfig: img(map[string]any{
		"secrets": []any{map[string]any{"source": "db.pw", "target": "pw"}}})}
	b := Service{Name: "b", Scale: 1, LaunchConfig: img(map[string]any{
		"secrets": []any{map[string]any{"secretId": "1se3", "name": "token"},
			map[string]any{"source": "db.pw", "target": "db.pw"}}})}
	dc, _, err := Stack("app", []Service{a, b}, stackLookup)
	if err != nil {
		t.Fatal(err)
	}
	sameData(t, "secrets", parseYAML(t, dc)["secrets"], fromYAML(t,
		`{db.pw: {external: true}, token: {external: true}}`))
}

func TestStackErrors(t *testing.T) {
	cases := []struct {
		name     string
		services []Service
		want     string
	}{{
		name: "two services with one name",
		services: []Service{{Name: "web", LaunchConfig: img(nil)},
			{Name: "web", LaunchConfig: img(nil)}},
		want: "two services or sidekicks are named web",
	}, {
		name: "sidekick named like a service",
		services: []Service{{Name: "web", LaunchConfig: img(nil)},
			{Name: "db", LaunchConfig: img(nil),
				Secondary: []map[string]any{img(map[string]any{"name": "web"})}}},
		want: "two services or sidekicks are named web",
	}, {
		name: "sidekick without a name",
		services: []Service{{Name: "web", LaunchConfig: img(nil),
			Secondary: []map[string]any{img(nil)}}},
		want: "service web: sidekick 1 has no name",
	}, {
		name:     "service without a name",
		services: []Service{{LaunchConfig: img(nil)}},
		want:     "a service has no name",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Stack("app", c.services, stackLookup)
			if err == nil || !strings.Contains(err.Error(), c.want) ||
				!strings.HasPrefix(err.Error(), "export stack app: ") {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// The exact text: version first and quoted, services sorted, keys sorted, YAML 1.1
// look-alikes ("no", "22:22") quoted for the CLI's parser.
func TestStackText(t *testing.T) {
	web := Service{Name: "web", Scale: 2, Links: []Link{{Alias: "database", ServiceID: "db"}},
		LaunchConfig: img(map[string]any{"environment": map[string]any{"DEBUG": "no",
			"N": "1"}, "ports": []any{"22:22", "8080:80"},
			"restartPolicy": map[string]any{"name": "always"}})}
	db := Service{Name: "db", Scale: 1, LaunchConfig: map[string]any{
		"imageUuid": "docker:mysql:8", "networkMode": "managed"}}
	dc, rc, err := Stack("app", []Service{web, db}, stackLookup)
	if err != nil {
		t.Fatal(err)
	}
	wantDocker := `version: '2'
services:
  db:
    image: mysql:8
  web:
    environment:
      DEBUG: "no"
      "N": "1"
    image: nginx:1.13
    links:
      - db:database
    ports:
      - "22:22"
      - 8080:80
    restart: always
`
	wantRancher := `version: '2'
services:
  db:
    scale: 1
  web:
    scale: 2
`
	if dc != wantDocker {
		t.Errorf("docker-compose.yml:\n%s\nwant:\n%s", dc, wantDocker)
	}
	if rc != wantRancher {
		t.Errorf("rancher-compose.yml:\n%s\nwant:\n%s", rc, wantRancher)
	}

	// Same output whatever the input order, every time.
	for range 5 {
		dc2, rc2, err := Stack("app", []Service{db, web}, stackLookup)
		if err != nil || dc2 != dc || rc2 != rc {
			t.Fatalf("output changed with the input order: %v\n%s%s", err, dc2, rc2)
		}
	}
}

func TestStackEmpty(t *testing.T) {
	dc, rc, err := Stack("app", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "version: '2'\nservices: {}\n"
	if dc != want || rc != want {
		t.Errorf("empty stack gave %q and %q, want %q", dc, rc, want)
	}
}

func TestStackWithoutLookup(t *testing.T) {
	svc := Service{Name: "web", Scale: 1, LaunchConfig: img(nil),
		Links: []Link{{ServiceID: "db"}}}
	dc, _, err := Stack("app", []Service{svc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dc, "links") {
		t.Errorf("links rendered without a lookup:\n%s", dc)
	}
}
