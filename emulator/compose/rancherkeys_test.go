package compose

import (
	"testing"
)

func TestRancherKeys(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		rancher string
		check   func(t *testing.T, p *Project)
	}{{
		name: "retain_ip-in-compose",
		compose: `version: '2'
services:
  app:
    image: app:v1
    retain_ip: true
`,
		check: func(t *testing.T, p *Project) {
			if !service(t, p, "app").RetainIP {
				t.Error("RetainIP = false, want true")
			}
		},
	}, {
		name: "rancher-compose-overrides-compose",
		compose: `version: '2'
services:
  app:
    image: app:v1
    retain_ip: true
    scale: 5
`,
		rancher: `version: '2'
services:
  app:
    retain_ip: false
    scale: 3
`,
		check: func(t *testing.T, p *Project) {
			s := service(t, p, "app")
			if s.RetainIP || s.Scale != 3 {
				t.Errorf("RetainIP, Scale = %v, %d, want false, 3", s.RetainIP, s.Scale)
			}
		},
	}, {
		name: "per_container-volume",
		compose: `version: '2'
services:
  app:
    image: app:v1
    volumes: [scratch:/scratch]
volumes:
  scratch:
    per_container: true
    driver: local
`,
		check: func(t *testing.T, p *Project) {
			wantJSON(t, "volumes", p.Volumes, `{"scratch": {"Name": "scratch",
				"Driver": "local", "DriverOpts": null, "External": false,
				"PerContainer": true}}`)
		},
	}, {
		name: "external-volume-with-driver",
		compose: `version: '2'
services:
  db:
    image: mysql:8
    volumes: [db.mystack:/var/lib/mysql]
volumes:
  db.mystack:
    external: true
    driver: rancher-nfs
`,
		check: func(t *testing.T, p *Project) {
			wantJSON(t, "volumes", p.Volumes, `{"db.mystack": {"Name": "db.mystack",
				"Driver": "rancher-nfs", "DriverOpts": null, "External": true,
				"PerContainer": false}}`)
			wantJSON(t, "dataVolumes", service(t, p, "db").LaunchConfig["dataVolumes"],
				`["db.mystack:/var/lib/mysql"]`)
		},
	}, {
		name: "net-host-v1",
		compose: `consul:
  image: consul:1.0
  net: host
`,
		check: func(t *testing.T, p *Project) {
			if got := service(t, p, "consul").LaunchConfig["networkMode"]; got != "host" {
				t.Errorf("networkMode = %v, want host", got)
			}
		},
	}, {
		name: "network_mode-container-sidekick",
		compose: `version: '2'
services:
  web:
    image: nginx
    labels: {io.rancher.sidekicks: net}
    network_mode: container:net
  net:
    image: busybox
`,
		check: func(t *testing.T, p *Project) {
			lc := service(t, p, "web").LaunchConfig
			if lc["networkMode"] != "container" || lc["networkLaunchConfig"] != "net" {
				t.Errorf("networkMode, networkLaunchConfig = %v, %v, want container, net",
					lc["networkMode"], lc["networkLaunchConfig"])
			}
		},
	}, {
		name: "volume_driver-and-milli_cpu_reservation",
		compose: `version: '2'
services:
  app:
    image: app:v1
    volume_driver: rancher-nfs
    milli_cpu_reservation: 500
    volumes: [appdata:/data]
`,
		check: func(t *testing.T, p *Project) {
			lc := service(t, p, "app").LaunchConfig
			if lc["volumeDriver"] != "rancher-nfs" || lc["milliCpuReservation"] != 500 {
				t.Errorf("volumeDriver, milliCpuReservation = %v, %v",
					lc["volumeDriver"], lc["milliCpuReservation"])
			}
			if len(p.Volumes) != 0 {
				t.Errorf("undeclared volume listed as top-level: %v", p.Volumes)
			}
		},
	}, {
		name: "log_driver-and-log_opt-v1",
		compose: `app:
  image: app:v1
  log_driver: syslog
  log_opt:
    tag: app
`,
		check: func(t *testing.T, p *Project) {
			wantJSON(t, "logConfig", service(t, p, "app").LaunchConfig["logConfig"],
				`{"driver": "syslog", "config": {"tag": "app"}}`)
		},
	}, {
		name: "logging-v2-and-default-log-config",
		compose: `version: '2'
services:
  a:
    image: a
    logging: {driver: json-file, options: {max-size: 10m}}
  b:
    image: b
`,
		check: func(t *testing.T, p *Project) {
			wantJSON(t, "a.logConfig", service(t, p, "a").LaunchConfig["logConfig"],
				`{"driver": "json-file", "config": {"max-size": "10m"}}`)
			wantJSON(t, "b.logConfig", service(t, p, "b").LaunchConfig["logConfig"],
				`{"driver": "", "config": {}}`)
		},
	}, {
		name:    "scale-zero-becomes-one",
		compose: "version: '2'\nservices:\n  app:\n    image: app\n",
		rancher: "app:\n  scale: 0\n",
		check: func(t *testing.T, p *Project) {
			if s := service(t, p, "app").Scale; s != 1 {
				t.Errorf("Scale = %d, want 1", s)
			}
		},
	}, {
		name:    "health_check-camel-case",
		compose: "version: '2'\nservices:\n  web:\n    image: nginx\n",
		rancher: `version: '2'
services:
  web:
    health_check:
      port: 8080
      interval: 2000
      unhealthy_threshold: 3
      healthy_threshold: 2
      response_timeout: 2000
      request_line: GET "/" "HTTP/1.0"
      strategy: recreateOnQuorum
      recreate_on_quorum_strategy_config: {quorum: 2}
`,
		check: func(t *testing.T, p *Project) {
			wantJSON(t, "healthCheck", service(t, p, "web").LaunchConfig["healthCheck"],
				`{"port": 8080, "interval": 2000, "unhealthyThreshold": 3,
				  "healthyThreshold": 2, "responseTimeout": 2000,
				  "requestLine": "GET \"/\" \"HTTP/1.0\"", "strategy": "recreateOnQuorum",
				  "recreateOnQuorumStrategyConfig": {"quorum": 2}}`)
		},
	}, {
		name:    "upgrade_strategy-start_on_create-metadata-scale_policy",
		compose: "version: '2'\nservices:\n  web:\n    image: nginx\n",
		rancher: `web:
  upgrade_strategy: {start_first: true, batch_size: 5}
  start_on_create: false
  metadata: {team: {name: das}}
  scale_policy: {min: 1, max: 4, increment: 1}
  some_future_key: ignored
`,
		check: func(t *testing.T, p *Project) {
			s := service(t, p, "web")
			if !s.StartFirst {
				t.Error("StartFirst = false, want true")
			}
			if s.StartOnCreate == nil || *s.StartOnCreate {
				t.Errorf("StartOnCreate = %v, want false", s.StartOnCreate)
			}
			if s.Metadata[hashLabel] == "" {
				t.Error("metadata has no hash")
			}
			delete(s.Metadata, hashLabel)
			wantJSON(t, "metadata", s.Metadata, `{"team": {"name": "das"}}`)
			wantJSON(t, "fields", s.Fields,
				`{"scalePolicy": {"min": 1, "max": 4, "increment": 1}}`)
		},
	}, {
		name: "lb_config-source_port-makes-a-balancer",
		compose: `version: '2'
services:
  lb:
    image: rancher/lb-service-haproxy:v0.7.5
    ports: ["4001:4001/tcp"]
  web:
    image: nginx
`,
		rancher: `version: '2'
services:
  lb:
    lb_config:
      certs: []
      port_rules:
      - {priority: 1, protocol: tcp, service: web, source_port: 4001, target_port: 80}
    health_check: {port: 42, interval: 2000}
  web:
    lb_config:
      port_rules:
      - {hostname: example.com, target_port: 80, path: /api, protocol: http}
`,
		check: func(t *testing.T, p *Project) {
			lb, web := service(t, p, "lb"), service(t, p, "web")
			if lb.Kind != "loadBalancerService" || web.Kind != "service" {
				t.Errorf("kinds = %q, %q", lb.Kind, web.Kind)
			}
			wantJSON(t, "lb fields", lb.Fields, `{"lbConfig": {"portRules": [{"priority": 1,
				"protocol": "tcp", "service": "web", "sourcePort": 4001, "targetPort": 80}]}}`)
			wantJSON(t, "web fields", web.Fields, `{"lbConfig": {"portRules": [
				{"hostname": "example.com", "targetPort": 80, "path": "/api"}]}}`)
		},
	}, {
		name: "v2-blkio-keys",
		compose: `version: '2'
services:
  app:
    image: app
    blkio_weight: 300
    device_read_bps: ["/dev/sda:1048576"]
`,
		check: func(t *testing.T, p *Project) {
			lc := service(t, p, "app").LaunchConfig
			wantJSON(t, "blkio", []any{lc["blkioWeight"], lc["blkioDeviceOptions"]},
				`[300, {"/dev/sda": {"readBps": 1048576}}]`)
		},
	}, {
		name: "launch-config-keys-from-either-file",
		compose: `version: '2'
services:
  vm:
    image: rancher/vm-ubuntu
    type: virtualMachine
    vcpu: 2
    health_check: {port: 22, strategy: none}
`,
		rancher: `vm:
  memory: 1024
  userdata: "#cloud-config"
  drain_timeout_ms: 5000
`,
		check: func(t *testing.T, p *Project) {
			lc := service(t, p, "vm").LaunchConfig
			got := map[string]any{}
			for _, k := range []string{"kind", "vcpu", "memoryMb", "userdata",
				"drainTimeoutMs", "healthCheck"} {
				got[k] = lc[k]
			}
			wantJSON(t, "launch keys", got, `{"kind": "virtualMachine", "vcpu": 2,
				"memoryMb": 1024, "userdata": "#cloud-config", "drainTimeoutMs": 5000,
				"healthCheck": {"port": 22, "strategy": "none"}}`)
		},
	}, {
		name: "user-as-number",
		compose: `version: 2
services:
  app:
    image: app
    user: 1000
`,
		check: func(t *testing.T, p *Project) {
			if got := service(t, p, "app").LaunchConfig["user"]; got != "1000" {
				t.Errorf("user = %v, want \"1000\"", got)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"docker-compose.yml": tt.compose}
			if tt.rancher != "" {
				files["rancher-compose.yml"] = tt.rancher
			}
			tt.check(t, mustLoad(t, files))
		})
	}
}
