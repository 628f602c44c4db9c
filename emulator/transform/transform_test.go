package transform

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// cliRequest is shaped like the body Rancher CLI v0.6.14 posts: every field
// of Docker's Config and HostConfig is present, most of them empty.
const cliRequest = `{
 "Name": "/web",
 "Config": {
  "Hostname": "webhost", "Domainname": "", "User": "1000:1000",
  "AttachStdin": false, "AttachStdout": false, "AttachStderr": false,
  "ExposedPorts": {"443/tcp": {}, "80/tcp": {}, "9000/tcp": {}},
  "Tty": true, "OpenStdin": true, "StdinOnce": false,
  "Env": ["FOO=bar", "EMPTY=", "BARE", "URL=http://x/?a=b"],
  "Cmd": ["nginx", "-g", "daemon off;"], "Healthcheck": null, "ArgsEscaped": false,
  "Image": "nginx:1.13", "Volumes": {"/var/cache": {}, "/tmp/anon": {}},
  "WorkingDir": "/srv", "Entrypoint": ["/docker-entrypoint.sh"],
  "NetworkDisabled": false, "MacAddress": "", "OnBuild": null,
  "Labels": {"app": "demo", "count": 3, "enabled": true, "none": null},
  "StopSignal": "SIGTERM", "StopTimeout": 30, "Shell": null
 },
 "HostConfig": {
  "Binds": ["/data:/data:ro", "/abs/path/rel:/rel", "named:/named"],
  "ContainerIDFile": "",
  "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}},
  "NetworkMode": "",
  "PortBindings": {
   "443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}],
   "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
   "53/udp": [{"HostIp": "", "HostPort": ""}]
  },
  "RestartPolicy": {"Name": "always", "MaximumRetryCount": 0},
  "AutoRemove": false, "VolumeDriver": "", "VolumesFrom": ["myapp_logger_1"],
  "CapAdd": ["NET_ADMIN"], "CapDrop": ["MKNOD"], "Dns": ["8.8.8.8"],
  "DnsOptions": null, "DnsSearch": ["example.com"], "ExtraHosts": ["foo:1.2.3.4"],
  "GroupAdd": null, "IpcMode": "", "Cgroup": "", "Links": ["db:db"],
  "OomScoreAdj": 0, "PidMode": "", "Privileged": false, "PublishAllPorts": false,
  "ReadonlyRootfs": true, "SecurityOpt": null, "StorageOpt": null,
  "Tmpfs": {"/run": "size=10m"}, "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864,
  "Sysctls": null, "Runtime": "", "ConsoleSize": [0, 0], "Isolation": "",
  "CpuShares": 512, "Memory": 268435456, "NanoCpus": 0, "CgroupParent": "",
  "BlkioWeight": 0,
  "BlkioWeightDevice": [{"Path": "/dev/sda", "Weight": 300}],
  "BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1048576}],
  "BlkioDeviceWriteBps": null, "BlkioDeviceReadIOps": null,
  "BlkioDeviceWriteIOps": [{"Path": "/dev/sdb", "Rate": 100}],
  "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0,
  "CpusetCpus": "0,1", "CpusetMems": "",
  "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse",
               "CgroupPermissions": ""},
              {"PathOnHost": "/dev/snd", "PathInContainer": "", "CgroupPermissions": "r"}],
  "DeviceCgroupRules": null, "DiskQuota": 0, "KernelMemory": 0,
  "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": null,
  "OomKillDisable": false, "PidsLimit": 0,
  "Ulimits": [{"Name": "nofile", "Hard": 40000, "Soft": 20000}],
  "CpuCount": 0, "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
  "Init": true
 }
}`

func TestLaunchConfigFromCLIRequest(t *testing.T) {
	got, err := LaunchConfig([]byte(cliRequest))
	if err != nil {
		t.Fatalf("LaunchConfig: %v", err)
	}
	want := `{
	 "name": "web",
	 "imageUuid": "docker:nginx:1.13",
	 "hostname": "webhost", "user": "1000:1000", "workingDir": "/srv",
	 "tty": true, "stdinOpen": true,
	 "environment": {"FOO": "bar", "EMPTY": "", "BARE": "", "URL": "http://x/?a=b"},
	 "command": ["nginx", "-g", "daemon off;"],
	 "entryPoint": ["/docker-entrypoint.sh"],
	 "labels": {"app": "demo", "count": "3", "enabled": "true", "none": ""},
	 "stopSignal": "SIGTERM", "stopTimeout": 30,
	 "dataVolumes": ["/tmp/anon", "/var/cache", "/data:/data:ro", "/abs/path/rel:/rel",
	                 "named:/named"],
	 "ports": ["53/udp", "8080:80/tcp", "8443:443/tcp"],
	 "logConfig": {"driver": "json-file", "config": {"max-size": "10m"}},
	 "restartPolicy": {"name": "always", "maximumRetryCount": 0},
	 "capAdd": ["NET_ADMIN"], "capDrop": ["MKNOD"], "dns": ["8.8.8.8"],
	 "dnsSearch": ["example.com"], "extraHosts": ["foo:1.2.3.4"],
	 "readOnly": true, "runInit": true,
	 "tmpfs": {"/run": "size=10m"}, "shmSize": 67108864,
	 "cpuShares": 512, "memory": 268435456, "cpuSet": "0,1",
	 "devices": ["/dev/fuse:/dev/fuse:rwm", "/dev/snd:/dev/snd:r"],
	 "ulimits": [{"name": "nofile", "soft": 20000, "hard": 40000}],
	 "blkioDeviceOptions": {
	   "/dev/sda": {"weight": 300, "readBps": 1048576},
	   "/dev/sdb": {"writeIops": 100}}
	}`
	assertJSON(t, got, want)
}

func TestLaunchConfigMinimal(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{{
		name: "nulls-everywhere",
		body: `{"Name":"/db","Config":{"Image":"mysql:8","Cmd":null,"Entrypoint":null,
		        "Env":null,"Labels":null,"ExposedPorts":null,"Volumes":null},
		        "HostConfig":{"LogConfig":{"Type":"","Config":null},"RestartPolicy":
		        {"Name":"","MaximumRetryCount":0},"PortBindings":null,"Binds":null}}`,
		want: `{"name":"db","imageUuid":"docker:mysql:8","command":[],"entryPoint":[],
		        "logConfig":{"driver":"","config":{}}}`,
	}, {
		name: "missing-host-config",
		body: `{"Config":{"Image":"docker:busybox","Cmd":"sleep"}}`,
		want: `{"imageUuid":"docker:busybox","command":["sleep"],"entryPoint":[],
		        "logConfig":{"driver":"","config":{}}}`,
	}, {
		name: "sim-image-kept",
		body: `{"Config":{"Image":"sim:foo"},"HostConfig":{"NetworkMode":"host",
		        "ExposedPorts":null,"PortBindings":{"80/tcp":null}}}`,
		want: `{"imageUuid":"sim:foo","command":[],"entryPoint":[],"networkMode":"host",
		        "logConfig":{"driver":"","config":{}}}`,
	}, {
		name: "exposed-without-binding-skipped",
		body: `{"Config":{"Image":"x","ExposedPorts":{"9000/tcp":{}}},
		        "HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}`,
		want: `{"imageUuid":"docker:x","command":[],"entryPoint":[],"ports":["8080:80/tcp"],
		        "logConfig":{"driver":"","config":{}}}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LaunchConfig([]byte(tt.body))
			if err != nil {
				t.Fatalf("LaunchConfig: %v", err)
			}
			assertJSON(t, got, tt.want)
		})
	}
}

func TestLaunchConfigHasNoResourceKeys(t *testing.T) {
	got, err := LaunchConfig([]byte(cliRequest))
	if err != nil {
		t.Fatalf("LaunchConfig: %v", err)
	}
	for _, k := range []string{"id", "type", "links", "actions"} {
		if _, ok := got[k]; ok {
			t.Errorf("launch config has key %q", k)
		}
	}
}

func TestLaunchConfigDeterministic(t *testing.T) {
	first, err := LaunchConfig([]byte(cliRequest))
	if err != nil {
		t.Fatalf("LaunchConfig: %v", err)
	}
	want, _ := json.Marshal(first)
	for i := 0; i < 20; i++ {
		again, _ := LaunchConfig([]byte(cliRequest))
		got, _ := json.Marshal(again)
		if string(got) != string(want) {
			t.Fatalf("run %d differs:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestLaunchConfigBadInput(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", ``, "empty body"},
		{"not-object", `["a"]`, "body is a list"},
		{"syntax", `{"Config": {"Image": "x",}}`, "invalid JSON at byte"},
		{"truncated", `{"Config": {"Image": "x"`, "truncated JSON"},
		{"env-object", `{"Config": {"Env": {"A": "b"}}}`, "field Config.Env"},
		{"cmd-number", `{"Config": {"Cmd": 5}}`, "want a string or a list of strings"},
		{"memory-string", `{"HostConfig": {"Memory": "1g"}}`, "field HostConfig.Memory"},
		{"trailing", `{"Config": {}} {}`, "unexpected data after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LaunchConfig([]byte(tt.body))
			if err == nil {
				t.Fatalf("LaunchConfig(%s) succeeded, want error containing %q", tt.body, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LaunchConfig(%s) error = %q, want it to contain %q",
					tt.body, err, tt.want)
			}
		})
	}
}

// assertJSON compares a launch config with the expected JSON text after
// normalising both through encoding/json.
func assertJSON(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("marshal result: %v", err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("unmarshal result: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		wb, _ := json.Marshal(w)
		t.Fatalf("launch config mismatch\n got %s\nwant %s", b, wb)
	}
}
