package compose

import (
	"reflect"
	"testing"
)

func TestFormats(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		want    []string
	}{{
		name: "v1-services-at-top-level",
		compose: `web:
  image: nginx
  links: [app]
app:
  image: app:v1
`,
		want: []string{"app", "web"},
	}, {
		name:    "integer-version-2",
		compose: "version: 2\nservices:\n  web:\n    image: nginx\n",
		want:    []string{"web"},
	}, {
		name:    "string-version-2.1",
		compose: "version: '2.1'\nservices:\n  web:\n    image: nginx\n",
		want:    []string{"web"},
	}, {
		name:    "no-version-with-services-section",
		compose: "services:\n  web:\n    image: nginx\n",
		want:    []string{"web"},
	}, {
		name: "version-2-with-volumes-before-services",
		compose: `version: '2'
volumes:
  data: {}
services:
  db:
    image: mongo
    volumes: [data:/data/db]
`,
		want: []string{"db"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, map[string]string{"docker-compose.yml": tt.compose})
			if got := serviceNames(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("services = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestV1KeepsServiceSettings(t *testing.T) {
	p := mustLoad(t, map[string]string{"docker-compose.yml": `jupyter:
  image: registry.example/jupyter:latest 
  environment:
    - PATH=/opt/bin:/usr/bin
    - HUB='http://hub:8081/api'
  ports:
    - 8000:8000/tcp
  restart: always
`})
	lc := withoutHash(service(t, p, "jupyter").LaunchConfig)
	wantJSON(t, "launch config", lc, `{
		"imageUuid": "docker:registry.example/jupyter:latest",
		"environment": {"PATH": "/opt/bin:/usr/bin", "HUB": "'http://hub:8081/api'"},
		"ports": ["8000:8000/tcp"],
		"restartPolicy": {"name": "always", "maximumRetryCount": 0},
		"logConfig": {"driver": "", "config": {}},
		"networkMode": "managed"}`)
}
