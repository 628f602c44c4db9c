package engine

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"
)

// decode turns a JSON launch config into the map[string]any the API stores.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func TestImageUnit(t *testing.T) {
	tests := []struct {
		lc   map[string]any
		want string
	}{
		{map[string]any{"imageUuid": "docker:nginx:1.25"}, "nginx:1.25"},
		{map[string]any{"imageUuid": "nginx"}, "nginx"},
		{map[string]any{"imageUuid": "docker:registry:5000/team/app:1"},
			"registry:5000/team/app:1"},
		{map[string]any{"imageUuid": "docker:docker:24-dind"}, "docker:24-dind"},
		{map[string]any{}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := Image(tt.lc); got != tt.want {
			t.Errorf("Image(%v) = %q, want %q", tt.lc, got, tt.want)
		}
	}
}

func TestDockerConfigPortsUnit(t *testing.T) {
	tcp := func(p string) nat.Port { return nat.Port(p + "/tcp") }
	tests := []struct {
		name     string
		ports    []any
		expose   []any
		bindHost string
		exposed  []nat.Port
		bindings nat.PortMap
	}{
		{"host:container binds to BindHost", []any{"60000:8080"}, nil, "127.0.0.1",
			[]nat.Port{tcp("8080")},
			nat.PortMap{tcp("8080"): {{HostIP: "127.0.0.1", HostPort: "60000"}}}},
		{"other BindHost", []any{"60000:8080"}, nil, "0.0.0.0",
			[]nat.Port{tcp("8080")},
			nat.PortMap{tcp("8080"): {{HostIP: "0.0.0.0", HostPort: "60000"}}}},
		{"explicit ip and proto", []any{"127.0.0.1:8443:443/tcp"}, nil, "0.0.0.0",
			[]nat.Port{tcp("443")},
			nat.PortMap{tcp("443"): {{HostIP: "127.0.0.1", HostPort: "8443"}}}},
		{"udp", []any{"5353:53/udp"}, nil, "127.0.0.1",
			[]nat.Port{"53/udp"},
			nat.PortMap{"53/udp": {{HostIP: "127.0.0.1", HostPort: "5353"}}}},
		{"container port only is exposed, not published", []any{"80"}, nil, "127.0.0.1",
			[]nat.Port{tcp("80")}, nat.PortMap{}},
		{"expose list", nil, []any{"9000", "9001/udp"}, "127.0.0.1",
			[]nat.Port{tcp("9000"), "9001/udp"}, nat.PortMap{}},
		{"ranges of one length", []any{"55078-55079:8080-8081"}, nil, "127.0.0.1",
			[]nat.Port{tcp("8080"), tcp("8081")},
			nat.PortMap{tcp("8080"): {{HostIP: "127.0.0.1", HostPort: "55078"}},
				tcp("8081"): {{HostIP: "127.0.0.1", HostPort: "55079"}}}},
		{"an exposed range", []any{"9000-9001"}, nil, "127.0.0.1",
			[]nat.Port{tcp("9000"), tcp("9001")}, nat.PortMap{}},
		{"two host ports for one container port", []any{"8000:80", "8001:80"}, nil,
			"127.0.0.1", []nat.Port{tcp("80")},
			nat.PortMap{tcp("80"): {{HostIP: "127.0.0.1", HostPort: "8000"},
				{HostIP: "127.0.0.1", HostPort: "8001"}}}},
	}
	for _, tt := range tests {
		lcfg := map[string]any{"imageUuid": "docker:nginx"}
		if tt.ports != nil {
			lcfg["ports"] = tt.ports
		}
		if tt.expose != nil {
			lcfg["expose"] = tt.expose
		}
		cfg, host, _, err := dockerConfig(Spec{LaunchConfig: lcfg, BindHost: tt.bindHost})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var exposed []nat.Port
		for p := range cfg.ExposedPorts {
			exposed = append(exposed, p)
		}
		slices.Sort(exposed)
		if !slices.Equal(exposed, tt.exposed) {
			t.Errorf("%s: exposed %v, want %v", tt.name, exposed, tt.exposed)
		}
		if !reflect.DeepEqual(host.PortBindings, tt.bindings) {
			t.Errorf("%s: bindings %v, want %v", tt.name, host.PortBindings, tt.bindings)
		}
	}
}

func TestDockerConfigBadPortsUnit(t *testing.T) {
	for _, p := range []string{"http", "80:http", "1:2:3:4", "70000:80", "80:70000", "80:",
		"-1:80", "127.0.0.1:80:", "8000-8001:80", "8001-8000:80-81", "80-:80", "0-1:80-81"} {
		lcfg := map[string]any{"imageUuid": "docker:nginx", "ports": []any{p}}
		_, _, _, err := dockerConfig(Spec{LaunchConfig: lcfg, BindHost: "127.0.0.1"})
		if err == nil {
			t.Errorf("port %q accepted", p)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("port %q: error %q does not name the port", p, err)
		}
	}
	lcfg := map[string]any{"imageUuid": "docker:nginx", "ports": []any{"60001:80",
		"60001:81"}}
	if _, _, _, err := dockerConfig(Spec{LaunchConfig: lcfg}); err == nil ||
		!strings.Contains(err.Error(), "host port 60001 is published twice") {
		t.Errorf("one host port twice: %v", err)
	}
	lcfg = map[string]any{"imageUuid": "docker:nginx", "expose": []any{"abc"}}
	if _, _, _, err := dockerConfig(Spec{LaunchConfig: lcfg}); err == nil {
		t.Error("expose abc accepted")
	}
}

func TestDockerConfigNoImageUnit(t *testing.T) {
	for _, lcfg := range []map[string]any{{}, {"imageUuid": ""}, {"imageUuid": "docker:"}} {
		if _, _, _, err := dockerConfig(Spec{LaunchConfig: lcfg}); err == nil {
			t.Errorf("launch config %v without image accepted", lcfg)
		}
	}
}

func TestDockerConfigFieldsUnit(t *testing.T) {
	lcfg := decode(t, `{
		"imageUuid": "docker:nginx:1.25",
		"capAdd": ["NET_ADMIN", "SYS_TIME"],
		"capDrop": ["ALL"],
		"user": "1000:1000",
		"workingDir": "/srv",
		"command": ["nginx", "-g", "daemon off;"],
		"entryPoint": ["/docker-entrypoint.sh"],
		"environment": {"B": "2", "A": "1", "EMPTY": null, "N": 3},
		"labels": {"team": "web", "shared": "from-launch-config", "num": 1},
		"dataVolumes": ["/data:/var/lib/data:ro"],
		"dns": ["8.8.8.8"],
		"dnsSearch": ["example.org"],
		"tty": true,
		"stdinOpen": true,
		"privileged": true,
		"readOnly": true,
		"memory": 268435456,
		"stopTimeout": 30,
		"stopSignal": "SIGQUIT",
		"devices": ["/dev/fuse", "/dev/sda:/dev/xvda:r"],
		"logConfig": {"driver": "json-file", "config": {"max-size": "10m", "max-file": 3}}
	}`)
	spec := Spec{Name: "demo-web-1", LaunchConfig: lcfg, BindHost: "127.0.0.1",
		DNSSearch: []string{"demo.rancher.internal"},
		Labels: map[string]string{"shared": "from-spec",
			LabelContainerID: "1i7"}}
	cfg, host, _, err := dockerConfig(spec)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"image", cfg.Image, "nginx:1.25"},
		{"capAdd", []string(host.CapAdd), []string{"NET_ADMIN", "SYS_TIME"}},
		{"capDrop", []string(host.CapDrop), []string{"ALL"}},
		{"user", cfg.User, "1000:1000"},
		{"workingDir", cfg.WorkingDir, "/srv"},
		{"cmd", []string(cfg.Cmd), []string{"nginx", "-g", "daemon off;"}},
		{"entrypoint", []string(cfg.Entrypoint), []string{"/docker-entrypoint.sh"}},
		{"env", cfg.Env, []string{"A=1", "B=2", "EMPTY=", "N=3"}},
		{"labels", cfg.Labels, map[string]string{"team": "web", "shared": "from-spec",
			"num": "1", LabelContainerID: "1i7"}},
		{"binds", host.Binds, []string{"/data:/var/lib/data:ro"}},
		{"dns", host.DNS, []string{"8.8.8.8"}},
		{"dnsSearch", host.DNSSearch, []string{"demo.rancher.internal", "example.org"}},
		{"tty", cfg.Tty, true},
		{"stdin", cfg.OpenStdin, true},
		{"privileged", host.Privileged, true},
		{"readOnly", host.ReadonlyRootfs, true},
		{"memory", host.Memory, int64(268435456)},
		{"stopSignal", cfg.StopSignal, "SIGQUIT"},
		{"logConfig", host.LogConfig, container.LogConfig{Type: "json-file",
			Config: map[string]string{"max-size": "10m", "max-file": "3"}}},
		{"devices", host.Devices, []container.DeviceMapping{
			{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm"},
			{PathOnHost: "/dev/sda", PathInContainer: "/dev/xvda", CgroupPermissions: "r"}}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if cfg.StopTimeout == nil || *cfg.StopTimeout != 30 {
		t.Errorf("stopTimeout = %v, want 30", cfg.StopTimeout)
	}
	// The launch config itself is not changed by the merge.
	if got := lcfg["labels"].(map[string]any)["shared"]; got != "from-launch-config" {
		t.Errorf("launch config labels were modified: shared = %v", got)
	}
}

func TestDockerConfigWithoutOptionalFieldsUnit(t *testing.T) {
	cfg, host, _, err := dockerConfig(Spec{LaunchConfig: map[string]any{
		"imageUuid": "docker:nginx"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Env) != 0 || len(cfg.Cmd) != 0 || cfg.User != "" || len(host.CapAdd) != 0 ||
		cfg.StopTimeout != nil || host.LogConfig.Type != "" || len(host.PortBindings) != 0 {
		t.Errorf("defaults: cfg %+v host %+v", cfg, host)
	}
}

func TestDockerConfigNetworkModeUnit(t *testing.T) {
	aliases := []string{"demo-web-1", "web.demo", "web.demo.rancher.internal"}
	tests := []struct {
		mode, network string
		wantMode      string
		joins         bool
		wantErr       bool
	}{
		{"managed", "spinlocal-dev-cattle", "spinlocal-dev-cattle", true, false},
		{"", "spinlocal-dev-cattle", "spinlocal-dev-cattle", true, false},
		{"managed", "", "", false, false},
		{"host", "spinlocal-dev-cattle", "host", false, false},
		{"none", "spinlocal-dev-cattle", "none", false, false},
		{"bridge", "spinlocal-dev-cattle", "bridge", false, false},
		{"container:demo-db-1", "spinlocal-dev-cattle", "container:demo-db-1", false, false},
		{"overlay", "spinlocal-dev-cattle", "", false, true},
	}
	for _, tt := range tests {
		lcfg := map[string]any{"imageUuid": "docker:nginx"}
		if tt.mode != "" {
			lcfg["networkMode"] = tt.mode
		}
		_, host, netCfg, err := dockerConfig(Spec{LaunchConfig: lcfg, Network: tt.network,
			Aliases: aliases})
		if tt.wantErr {
			if err == nil {
				t.Errorf("networkMode %q accepted", tt.mode)
			} else if !strings.Contains(err.Error(), tt.mode) {
				t.Errorf("networkMode %q: error %q does not name it", tt.mode, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("networkMode %q: %v", tt.mode, err)
			continue
		}
		if string(host.NetworkMode) != tt.wantMode {
			t.Errorf("networkMode %q: docker mode %q, want %q", tt.mode, host.NetworkMode,
				tt.wantMode)
		}
		if !tt.joins {
			if netCfg != nil {
				t.Errorf("networkMode %q: joins %v", tt.mode, netCfg.EndpointsConfig)
			}
			continue
		}
		if netCfg == nil || len(netCfg.EndpointsConfig) != 1 {
			t.Errorf("networkMode %q: endpoints %v", tt.mode, netCfg)
			continue
		}
		ep := netCfg.EndpointsConfig[tt.network]
		if ep == nil || !slices.Equal(ep.Aliases, aliases) {
			t.Errorf("networkMode %q: endpoint %+v, want aliases %v", tt.mode, ep, aliases)
		}
	}
}
