package audit

import "testing"

const locateV2 = `version: '2'
x-defaults: &defaults
  image: exampleuser/app
  restart: always
services:
  web:
    <<: *defaults
    ports:
      - 80:8080
  db:
    image: postgres:12
volumes:
  Bad_Name: {}
`

const locateOverride = `version: '2'
services:
  web:
    cap_drop: [ALL]
`

const locateV1 = `consul:
  image: consul:1.8
  net: host
`

func TestAuditLocate(t *testing.T) {
	tests := []struct {
		name     string
		sources  []Source
		finding  Finding
		wantFile string
		wantLine int
	}{
		{"key", []Source{{"a.yml", []byte(locateV2)}},
			Finding{Service: "web", Key: "ports"}, "a.yml", 8},
		{"merge-anchor", []Source{{"a.yml", []byte(locateV2)}},
			Finding{Service: "web", Key: "restart"}, "a.yml", 4},
		{"missing-key-points-at-service", []Source{{"a.yml", []byte(locateV2)}},
			Finding{Service: "db", Key: "cap_drop"}, "a.yml", 10},
		{"later-file-wins", []Source{{"a.yml", []byte(locateV2)},
			{"b.yml", []byte(locateOverride)}},
			Finding{Service: "web", Key: "cap_drop"}, "b.yml", 4},
		{"first-file-defines-service", []Source{{"a.yml", []byte(locateV2)},
			{"b.yml", []byte(locateOverride)}},
			Finding{Service: "web", Key: "name"}, "a.yml", 6},
		{"v1-net-alias", []Source{{"env", []byte("A=1\n")}, {"c.yml", []byte(locateV1)}},
			Finding{Service: "consul", Key: "network_mode"}, "c.yml", 3},
		{"stack-top-level", []Source{{"a.yml", []byte(locateV2)}},
			Finding{Key: "volumes"}, "a.yml", 12},
		{"stack-no-key", []Source{{"a.yml", []byte(locateV2)}},
			Finding{Key: "tags"}, "a.yml", 0},
		{"not-yaml", []Source{{"x", []byte(":\t[")}},
			Finding{Service: "web", Key: "ports"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := []Finding{tt.finding}
			Locate(fs, tt.sources)
			if fs[0].File != tt.wantFile || fs[0].Line != tt.wantLine {
				t.Errorf("Locate = %s:%d, want %s:%d", fs[0].File, fs[0].Line, tt.wantFile,
					tt.wantLine)
			}
		})
	}
}
