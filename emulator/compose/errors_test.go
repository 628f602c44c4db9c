package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		env     map[string]string
		file    string
		key     string
		line    int
		message string
	}{{
		name: "version-3-rejected",
		files: map[string]string{"docker-compose.yml": `version: '3.7'
services:
  web:
    image: nginx
`},
		file: "docker-compose.yml", key: "version", line: 1,
		message: `compose format version "3.7" is not supported`,
	}, {
		name: "unknown-top-level-key",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
servces:
  app:
    image: app
`},
		file: "docker-compose.yml", key: "servces", line: 5,
		message: "unknown top-level key",
	}, {
		name: "unknown-service-key",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    imagee: nginx:1.13
`},
		file: "docker-compose.yml", key: "services.web.imagee", line: 5,
		message: "unknown service key",
	}, {
		name: "user-as-a-list",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    cap_drop:
    - ALL
    user:
    - "1000"
    - "1000"
`},
		file: "docker-compose.yml", key: "services.web.user", line: 7,
		message: "must be a string or number, not a list",
	}, {
		name: "missing-env-file",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    env_file:
    - common.env
    - .env.web
`, "common.env": "A=1\n"},
		file: "docker-compose.yml", key: "services.web.env_file[1]", line: 7,
		message: ".env.web does not exist",
	}, {
		name: "empty-variable-in-volume",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    volumes:
    - ${STATIC_DIR}:/app/static
`},
		file: "docker-compose.yml", key: "services.web.volumes[0]", line: 6,
		message: `written "${STATIC_DIR}:/app/static": a variable in it is unset or empty`,
	}, {
		name: "go-template-text",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  neo1:
    image: neo4j
    volumes:
    - /var/lib/{{ .Stack.Name }}/data:/data
    labels:
      io.rancher.scheduler.affinity:container_soft: {{ .Stack.Name }}-neo1-1
`},
		file: "docker-compose.yml", key: "", line: 8,
		message: "Go template text",
	}, {
		name: "required-variable",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx:${TAG:?set TAG to the image tag}
`},
		file: "docker-compose.yml", key: "services.web.image", line: 4,
		message: "set TAG to the image tag",
	}, {
		name: "undefined-sidekick",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    labels:
      io.rancher.sidekicks: logger
`},
		file: "docker-compose.yml", key: "services.web.labels.io.rancher.sidekicks", line: 6,
		message: `names sidekick "logger", which no compose file defines`,
	}, {
		name: "sidekick-claimed-twice",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  a:
    image: nginx
    labels: {io.rancher.sidekicks: log}
  b:
    image: nginx
    labels: {io.rancher.sidekicks: log}
  log:
    image: busybox
`},
		file: "docker-compose.yml", key: "services.b.labels.io.rancher.sidekicks", line: 8,
		message: `already claimed by service "a"`,
	}, {
		name: "external-ips-and-hostname",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  ext:
    image: rancher/external-service
`, "rancher-compose.yml": `version: '2'
services:
  ext:
    external_ips: [10.0.0.1]
    hostname: db.example.org
`},
		file: "rancher-compose.yml", key: "services.ext.hostname", line: 5,
		message: "not both",
	}, {
		name: "external-ip-not-an-address",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  ext:
    image: rancher/external-service
`, "rancher-compose.yml": `version: '2'
services:
  ext:
    external_ips: [10.0.0.1, 10.0.0]
`},
		file: "rancher-compose.yml", key: "services.ext.external_ips", line: 4,
		message: `"10.0.0" is not an IP address`,
	}, {
		name: "external-service-without-target",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
  ext:
    image: rancher/external-service:latest
`},
		file: "docker-compose.yml", key: "services.ext.image", line: 6,
		message: "needs external_ips or hostname",
	}, {
		name: "depends-on-undefined",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    depends_on: [db]
`},
		file: "docker-compose.yml", key: "services.web.depends_on", line: 5,
		message: `names service "db"`,
	}, {
		name: "bad-port",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    ports:
    - "80:80"
    - "${HTTP_PORT}x:80"
`},
		env:  map[string]string{"HTTP_PORT": "80"},
		file: "docker-compose.yml", key: "services.web.ports[1]", line: 7,
		message: `invalid port "80x:80"`,
	}, {
		name: "bad-secret-mode",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    secrets:
    - source: s
      mode: '0999'
`},
		file: "docker-compose.yml", key: "services.web.secrets[0]", line: 6,
		message: "mode must be octal digits",
	}, {
		name: "bad-scale-in-rancher-compose",
		files: map[string]string{
			"docker-compose.yml":  "version: '2'\nservices:\n  web:\n    image: nginx\n",
			"rancher-compose.yml": "version: '2'\nservices:\n  web:\n    scale: two\n",
		},
		file: "rancher-compose.yml", key: "services.web.scale", line: 4,
		message: `must be a whole number, not "two"`,
	}, {
		name: "wrong-type-in-v1-file",
		files: map[string]string{"docker-compose.yml": `web:
  image: nginx
  privileged: maybe
`},
		file: "docker-compose.yml", key: "services.web.privileged", line: 3,
		message: `must be a boolean (true or false), not "maybe"`,
	}, {
		name: "driver-services-not-emulated",
		files: map[string]string{"docker-compose.yml": `version: '2'
services:
  nfs:
    image: rancher/storage-nfs
    storage_driver: {name: nfs}
`},
		file: "docker-compose.yml", key: "services.nfs.storage_driver", line: 5,
		message: "not emulated",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			env := tt.env
			if env == nil {
				env = map[string]string{}
			}
			_, err := Load(context.Background(), Options{
				Files:   []string{filepath.Join(dir, "docker-compose.yml")},
				Environ: env,
			})
			wantLoadError(t, err, tt.file, tt.key, tt.line, tt.message)
		})
	}
}

func TestLoadErrorText(t *testing.T) {
	err := &LoadError{File: "docker-compose.yml", Line: 7, Key: "services.web.user",
		Msg: "must be a string or number, not a list"}
	want := "docker-compose.yml: line 7: services.web.user: must be a string or number, not a list"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	bare := &LoadError{File: "x.yml", Msg: "is empty"}
	if bare.Error() != "x.yml: is empty" {
		t.Errorf("Error() = %q", bare.Error())
	}
}

func TestLoadErrorWrapsCause(t *testing.T) {
	dir := writeFiles(t, map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    env_file: missing.env
`})
	_, err := loadDir(t, dir)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("errors.Is(%v, os.ErrNotExist) = false", err)
	}
}

func TestMissingComposeFile(t *testing.T) {
	_, err := Load(context.Background(), Options{WorkingDir: t.TempDir(),
		Environ: map[string]string{}})
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(le.Error(), "docker-compose.yml") ||
		!strings.Contains(le.Msg, "does not exist") {
		t.Errorf("Load in an empty dir: %v, want a LoadError naming docker-compose.yml", err)
	}
}

func TestMissingRancherFileNamedExplicitly(t *testing.T) {
	dir := writeFiles(t, map[string]string{"docker-compose.yml": "web:\n  image: nginx\n"})
	_, err := Load(context.Background(), Options{
		Files:       []string{filepath.Join(dir, "docker-compose.yml")},
		RancherFile: filepath.Join(dir, "rancher-prod.yml"),
		Environ:     map[string]string{},
	})
	if err == nil || !strings.Contains(err.Error(), "rancher-prod.yml") {
		t.Errorf("Load = %v, want an error naming rancher-prod.yml", err)
	}
}
