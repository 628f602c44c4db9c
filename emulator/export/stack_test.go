package export

import "testing"

func img(extra map[string]any) map[string]any {
	lc := map[string]any{"imageUuid": "docker:nginx:1.13", "networkMode": "managed",
		"logConfig": map[string]any{"driver": "", "config": map[string]any{}},
		"labels":    map[string]any{hashLabel: "71f6c3b0"}}
	for k, v := range extra {
		lc[k] = v
	}
	return lc
}

func TestStackRendersServices(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name    string
		svc     Service
		docker  string // services.<svc> of docker-compose.yml, as YAML
		rancher string // services.<svc> of rancher-compose.yml, as YAML
	}{{
		name:    "minimal",
		svc:     Service{Name: "web", Scale: 1, LaunchConfig: img(nil)},
		docker:  `image: nginx:1.13`,
		rancher: `scale: 1`,
	}, {
		name: "plain keys",
		svc: Service{Name: "web", Scale: 3, LaunchConfig: img(map[string]any{
			"command": []any{"nginx", "-g", "daemon off;"}, "entryPoint": []any{"/init"},
			"environment": map[string]any{"FOO": "bar", "EMPTY": ""},
			"ports":       []any{"8080:80", "127.0.0.1:8443:443/tcp"}, "expose": []any{"9000"},
			"dataVolumes": []any{"/cache", "/data:/data:ro", "named:/named"},
			"capAdd":      []any{"NET_ADMIN"}, "capDrop": []any{"ALL"},
			"user": "1000:1000", "workingDir": "/srv", "hostname": "h",
			"domainName": "example.org", "tty": true, "stdinOpen": true,
			"privileged": false, "readOnly": true, "runInit": true, "stopSignal": "SIGINT",
			"stopTimeout": 30.0, "dns": []any{"8.8.8.8"}, "dnsSearch": []any{"x.org"},
			"dnsOpt": []any{"ndots:2"}, "extraHosts": []any{"foo:1.2.3.4"},
			"groupAdd": []any{"nginx"}, "securityOpt": []any{"no-new-privileges"},
			"devices": []any{"/dev/fuse:/dev/fuse:rwm"}, "sysctls": map[string]any{
				"net.core.somaxconn": "1024"},
			"memory": 268435456.0, "memoryReservation": int64(1 << 20),
			"memorySwappiness": 0, "shmSize": 67108864, "cpuShares": 512,
			"cpuSet": "0,1", "cpuQuota": 50000, "cpuPeriod": 100000, "pidMode": "host",
			"oomScoreAdj": 100, "oomKillDisable": true, "volumeDriver": "rancher-nfs",
			"milliCpuReservation": 250, "dataVolumesFromLaunchConfigs": []any{"data"},
			"publishAllPorts": true, "version": "0f1e", "kernelMemory": 5})},
		docker: `
cap_add: [NET_ADMIN]
cap_drop: [ALL]
command: [nginx, -g, daemon off;]
cpu_period: 100000
cpu_quota: 50000
cpu_shares: 512
cpuset: "0,1"
devices: [/dev/fuse:/dev/fuse:rwm]
dns: [8.8.8.8]
dns_opt: ["ndots:2"]
dns_search: [x.org]
domainname: example.org
entrypoint: [/init]
environment: {EMPTY: "", FOO: bar}
expose: ["9000"]
extra_hosts: ["foo:1.2.3.4"]
group_add: [nginx]
hostname: h
image: nginx:1.13
init: true
mem_limit: 268435456
mem_reservation: 1048576
milli_cpu_reservation: 250
oom_kill_disable: true
oom_score_adj: 100
pid: host
ports: ["8080:80", "127.0.0.1:8443:443/tcp"]
read_only: true
security_opt: [no-new-privileges]
shm_size: 67108864
stdin_open: true
stop_grace_period: 30s
stop_signal: SIGINT
sysctls: {net.core.somaxconn: "1024"}
tty: true
user: "1000:1000"
volume_driver: rancher-nfs
volumes: [/cache, "/data:/data:ro", "named:/named"]
volumes_from: [data]
working_dir: /srv`,
		rancher: `scale: 3`,
	}, {
		name: "structured keys",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(map[string]any{
			"logConfig": map[string]any{"driver": "json-file",
				"config": map[string]any{"max-size": "10m"}},
			"restartPolicy": map[string]any{"name": "on-failure", "maximumRetryCount": 3},
			"tmpfs":         map[string]any{"/run": "size=10m", "/tmp": ""},
			"ulimits": []any{map[string]any{"name": "nofile", "soft": 1024, "hard": 2048},
				map[string]any{"name": "nproc", "soft": 64.0, "hard": 64.0}},
			"blkioDeviceOptions": map[string]any{"/dev/sda": map[string]any{
				"readBps": 1048576, "weight": 300}},
			"build": map[string]any{"remote": "https://github.com/x/y.git",
				"dockerfile": "Dockerfile.prod"}})},
		docker: `
blkio_weight_device: {/dev/sda: 300}
build: {context: "https://github.com/x/y.git", dockerfile: Dockerfile.prod}
device_read_bps: {/dev/sda: 1048576}
image: nginx:1.13
logging: {driver: json-file, options: {max-size: 10m}}
restart: on-failure:3
tmpfs: ["/run:size=10m", /tmp]
ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 64}`,
		rancher: `scale: 1`,
	}, {
		name: "restart no and options without driver",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(map[string]any{
			"restartPolicy": map[string]any{"name": "no", "maximumRetryCount": 0},
			"logConfig": map[string]any{"driver": "",
				"config": map[string]any{"max-file": "2"}}})},
		docker:  `{image: nginx:1.13, restart: "no", logging: {options: {max-file: "2"}}}`,
		rancher: `scale: 1`,
	}, {
		name: "labels without the hash",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(map[string]any{
			"labels": map[string]any{hashLabel: "1", "app": "demo",
				"io.rancher.container.pull_image": "always", "n": 5}})},
		docker: `{image: nginx:1.13, labels: {app: demo, n: "5",
			io.rancher.container.pull_image: always}}`,
		rancher: `scale: 1`,
	}, {
		name: "network modes",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(map[string]any{
			"networkMode": "host"})},
		docker:  `{image: nginx:1.13, network_mode: host}`,
		rancher: `scale: 1`,
	}, {
		name: "links in the stack and elsewhere",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(nil), Links: []Link{
			{Alias: "database", ServiceID: "db"}, {Alias: "cache", ServiceID: "cache"},
			{ServiceID: "mongo/mongo-cluster"}, {Alias: "m", ServiceID: "mongo/mongo"},
			{Alias: "x", ServiceID: "gone1"}, {ServiceID: "APP/queue"}}},
		docker: `{image: nginx:1.13, links: ["db:database", cache, queue],
			external_links: [mongo/mongo-cluster, "mongo/mongo:m"]}`,
		rancher: `scale: 1`,
	}, {
		name: "secrets by id, by source, short and long",
		svc: Service{Name: "web", Scale: 1, Secrets: map[string]string{"1se1": "db.pw"},
			LaunchConfig: img(map[string]any{"secrets": []any{
				map[string]any{"secretId": "1se1", "name": "pw", "uid": "0", "gid": "0",
					"mode": "400"},
				map[string]any{"secretId": "1se9", "name": "token"},
				map[string]any{"source": "s3", "target": "s3"},
				map[string]any{"source": "s4", "target": "t4", "mode": "0444"}}})},
		docker: `
image: nginx:1.13
secrets:
- {source: db.pw, target: pw, uid: "0", gid: "0", mode: "0400"}
- token
- s3
- {source: s4, target: t4, mode: "0444"}`,
		rancher: `scale: 1`,
	}, {
		name: "dollars are escaped",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(map[string]any{
			"environment": map[string]any{"PS1": "$USER ${HOST}"},
			"command":     []any{"sh", "-c", "echo $$"}}),
			Metadata: map[string]any{"m": "a$b"}},
		docker: `{image: nginx:1.13, environment: {PS1: "$$USER $${HOST}"},
			command: [sh, -c, "echo $$$$"]}`,
		rancher: `{scale: 1, metadata: {m: a$$b}}`,
	}, {
		name: "rancher settings",
		svc: Service{Name: "web", Scale: 2, RetainIP: true, StartOnCreate: &no,
			Metadata: map[string]any{hashLabel: "abc", "io.rancher.x": map[string]any{
				"nested": []any{1, "two"}}},
			LaunchConfig: img(map[string]any{"healthCheck": map[string]any{"port": 80,
				"interval": 2000, "requestLine": "GET / HTTP/1.0", "healthyThreshold": 2,
				"strategy":                       "recreateOnQuorum",
				"recreateOnQuorumStrategyConfig": map[string]any{"quorum": 2}},
				"drainTimeoutMs": 5000}),
			Extra: map[string]any{"scalePolicy": map[string]any{"min": 1, "max": 4,
				"increment": 1}, "healthCheck": map[string]any{"port": 1}}},
		docker: `image: nginx:1.13`,
		rancher: `
scale: 2
retain_ip: true
start_on_create: false
drain_timeout_ms: 5000
metadata: {io.rancher.x: {nested: [1, two]}}
scale_policy: {min: 1, max: 4, increment: 1}
health_check: {port: 80, interval: 2000, request_line: GET / HTTP/1.0, healthy_threshold: 2,
  strategy: recreateOnQuorum, recreate_on_quorum_strategy_config: {quorum: 2}}`,
	}, {
		name: "global service has no scale",
		svc: Service{Name: "web", Scale: 1, StartOnCreate: &yes,
			LaunchConfig: img(map[string]any{"labels": map[string]any{
				globalLabel: "true"}})},
		docker:  `{image: nginx:1.13, labels: {io.rancher.scheduler.global: "true"}}`,
		rancher: `start_on_create: true`,
	}, {
		name: "load balancer",
		svc: Service{Name: "lb", Kind: "loadBalancerService", Scale: 1,
			LaunchConfig: img(map[string]any{
				"imageUuid": "docker:rancher/lb-service-haproxy:v0.9.1",
				"ports":     []any{"80:80"}}),
			Extra: map[string]any{"lbConfig": map[string]any{
				"certificateIds": []any{"1c1"}, "defaultCertificateId": "1c2",
				"config":           "global\n  maxconn 100\n",
				"stickinessPolicy": map[string]any{"name": "s", "indirect": true},
				"portRules": []any{
					map[string]any{"sourcePort": 80, "targetPort": 8080, "protocol": "http",
						"hostname": "app.example.com", "serviceId": "web"},
					map[string]any{"sourcePort": 81, "targetPort": 80, "protocol": "tcp",
						"serviceId": "other/api", "priority": 2},
					map[string]any{"sourcePort": 82, "protocol": "http",
						"selector": "app=x"}}}}},
		docker: `{image: "rancher/lb-service-haproxy:v0.9.1", ports: ["80:80"]}`,
		rancher: `
scale: 1
lb_config:
  config: "global\n  maxconn 100\n"
  stickiness_policy: {name: s, indirect: true}
  port_rules:
  - {source_port: 80, target_port: 8080, protocol: http, hostname: app.example.com,
     service: web}
  - {source_port: 81, target_port: 80, protocol: tcp, service: other/api, priority: 2}
  - {source_port: 82, protocol: http, selector: app=x}`,
	}, {
		name: "target of load balancer rules",
		svc: Service{Name: "web", Scale: 1, LaunchConfig: img(nil),
			Extra: map[string]any{"lbConfig": map[string]any{"portRules": []any{
				map[string]any{"hostname": "a.org", "targetPort": 80, "path": "/x"}}},
				"selectorContainer": "app=web"}},
		docker: `{image: nginx:1.13,
			labels: {io.rancher.service.selector.container: app=web}}`,
		rancher: `{scale: 1, lb_config: {port_rules: [{hostname: a.org, target_port: 80,
			path: /x}]}}`,
	}, {
		name: "dns service",
		svc: Service{Name: "alias", Kind: "dnsService", Scale: 1,
			LaunchConfig: map[string]any{}, Links: []Link{{ServiceID: "web"}}},
		docker:  `{image: rancher/dns-service, links: [web]}`,
		rancher: `scale: 1`,
	}, {
		name: "external service",
		svc: Service{Name: "ext", Kind: "externalService", Scale: 1,
			LaunchConfig: map[string]any{"healthCheck": map[string]any{"port": 80}},
			Extra: map[string]any{"externalIpAddresses": []any{"1.2.3.4", "5.6.7.8"},
				"hostname": "ext.example.org"}},
		docker: `image: rancher/external-service`,
		rancher: `{scale: 1, external_ips: [1.2.3.4, 5.6.7.8], hostname: ext.example.org,
			health_check: {port: 80}}`,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dc, rc, err := Stack("app", []Service{c.svc}, stackLookup)
			if err != nil {
				t.Fatal(err)
			}
			docker, rancher := parseYAML(t, dc), parseYAML(t, rc)
			if docker["version"] != "2" || rancher["version"] != "2" {
				t.Errorf("versions %v and %v, want '2'", docker["version"], rancher["version"])
			}
			sameData(t, "docker-compose service", serviceIn(docker, c.svc.Name),
				fromYAML(t, c.docker))
			sameData(t, "rancher-compose service", serviceIn(rancher, c.svc.Name),
				fromYAML(t, c.rancher))
		})
	}
}
