package compose

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

func TestInterpolation(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"docker-compose.yml": `version: '2'
services:
  web:
    image: ${REPO}/web:${TAG:-latest}
    environment:
      FROM_DOTENV: ${DOTENV_ONLY}
      SHELL_WINS: ${BOTH}
      FILE_WINS: ${OVERRIDDEN}
      LITERAL: $$HOME
    env_file: conf/web.env
`,
		".env":         "REPO=registry.example\nDOTENV_ONLY=dot\nBOTH=from-dotenv\n",
		"prod.env":     "OVERRIDDEN=from-env-file\n",
		"conf/web.env": "FROM_ENV_FILE=yes\n",
		"rancher-compose.yml": `web:
  scale: ${WEB_SCALE}
`,
	})
	p, err := Load(context.Background(), Options{
		Files:    []string{filepath.Join(dir, "docker-compose.yml")},
		EnvFiles: []string{filepath.Join(dir, "prod.env")},
		Environ: map[string]string{"BOTH": "from-shell", "OVERRIDDEN": "from-shell",
			"WEB_SCALE": "3"},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	web := service(t, p, "web")
	if got := web.LaunchConfig["imageUuid"]; got != "docker:registry.example/web:latest" {
		t.Errorf("imageUuid = %v", got)
	}
	wantJSON(t, "environment", web.LaunchConfig["environment"], `{
		"FROM_DOTENV": "dot", "SHELL_WINS": "from-shell", "FILE_WINS": "from-env-file",
		"LITERAL": "$HOME", "FROM_ENV_FILE": "yes"}`)
	if web.Scale != 3 {
		t.Errorf("Scale = %d, want 3 from ${WEB_SCALE}", web.Scale)
	}
	wantFiles := []string{
		filepath.Join(dir, "docker-compose.yml"),
		filepath.Join(dir, "rancher-compose.yml"),
		filepath.Join(dir, ".env"),
		filepath.Join(dir, "prod.env"),
		filepath.Join(dir, "conf/web.env"),
	}
	if !reflect.DeepEqual(p.Files, wantFiles) {
		t.Errorf("Files = %v\nwant %v", p.Files, wantFiles)
	}
}

// Paths in a compose file are taken from that file's directory, also for
// a second file that lives elsewhere.
func TestPathsRelativeToEachFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    volumes:
    - ./html:/usr/share/nginx/html:ro
    - static:/static
    - /cache
`,
		"prod/override.yml": `version: '2'
services:
  web:
    env_file: web.env
    volumes:
    - ./certs:/certs
`,
		"prod/web.env": "MODE=prod\n",
	})
	p, err := Load(context.Background(), Options{
		Files: []string{filepath.Join(dir, "docker-compose.yml"),
			filepath.Join(dir, "prod/override.yml")},
		Environ: map[string]string{},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	lc := service(t, p, "web").LaunchConfig
	wantJSON(t, "dataVolumes", lc["dataVolumes"], `[
		"/cache",
		"`+dir+`/html:/usr/share/nginx/html:ro",
		"static:/static",
		"`+dir+`/prod/certs:/certs"]`)
	wantJSON(t, "environment", lc["environment"], `{"MODE": "prod"}`)
	if p.Name != "demo" || p.Dir != dir {
		t.Errorf("Name, Dir = %q, %q, want demo, %q", p.Name, p.Dir, dir)
	}
}

func TestProjectName(t *testing.T) {
	dir := writeFiles(t, map[string]string{"docker-compose.yml": "web:\n  image: nginx\n"})
	file := filepath.Join(dir, "docker-compose.yml")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"dir-name", Options{Files: []string{file}, Environ: map[string]string{}}, "demo"},
		{"explicit", Options{Files: []string{file}, ProjectName: "My_Stack",
			Environ: map[string]string{"COMPOSE_PROJECT_NAME": "other"}}, "my-stack"},
		{"compose-project-name", Options{Files: []string{file},
			Environ: map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}}, "fromenv"},
		{"working-dir-default-file", Options{WorkingDir: dir,
			Environ: map[string]string{}}, "demo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(context.Background(), tt.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p.Name != tt.want {
				t.Errorf("Name = %q, want %q", p.Name, tt.want)
			}
		})
	}
}

func TestNormalizeStackName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mystack", "mystack"},
		{"My_Stack.v2", "my-stack-v2"},
		{"_private", "x-private"},
		{".hidden", "x-hidden"},
		{"-dash", "x-dash"},
		{"spin flask", "spin-flask"},
		{"caf\u00e9", "caf-"},
	}
	for _, tt := range tests {
		if got := NormalizeStackName(tt.in); got != tt.want {
			t.Errorf("NormalizeStackName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDefaultFilesIncludeOverride(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"docker-compose.yml":          "version: '2'\nservices:\n  web:\n    image: nginx\n",
		"docker-compose.override.yml": "version: '2'\nservices:\n  web:\n    tty: true\n",
	})
	p, err := Load(context.Background(), Options{WorkingDir: dir, Environ: map[string]string{}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if service(t, p, "web").LaunchConfig["tty"] != true {
		t.Error("docker-compose.override.yml was not merged")
	}
	if len(p.Files) != 2 || p.Files[1] != filepath.Join(dir, "docker-compose.override.yml") {
		t.Errorf("Files = %v", p.Files)
	}
}
