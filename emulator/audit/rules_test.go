package audit

import (
	"strings"
	"testing"
)

// lc builds a launch config that passes every rule, as the API would send
// it (JSON types), with kv pairs set on top; a nil value deletes the key.
func lc(kv ...any) map[string]any {
	m := map[string]any{
		"imageUuid": "docker:nginx:1.19",
		"capDrop":   []any{"ALL"},
		"labels":    map[string]any{},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// globalRO is a /global mount that passes the storage rules with user set.
var globalRO = []any{"/global/cfs/cdirs/m669/app:/data:ro"}

var elvis = &Caller{Name: "elvis", UID: 501, GIDs: []int{501, 1000}, Collab: []int{10001}}

// ruleCase audits one input; fire says whether rule must report it.
type ruleCase struct {
	name    string
	rule    string
	fire    bool
	service string // the Service the finding names, when it fires
	run     func(cfg Config) []Finding
}

// svc audits one service "web" of stack "mystack".
func svc(l map[string]any, side ...map[string]any) func(Config) []Finding {
	return func(cfg Config) []Finding { return CheckService(cfg, "mystack", "web", l, side) }
}

func named(name string, l map[string]any) func(Config) []Finding {
	return func(cfg Config) []Finding { return CheckService(cfg, "mystack", name, l, nil) }
}

func stack(name, tags string) func(Config) []Finding {
	return func(cfg Config) []Finding { return CheckStack(cfg, name, tags) }
}

func as(caller *Caller, run func(Config) []Finding) func(Config) []Finding {
	return func(cfg Config) []Finding {
		cfg.Caller = caller
		return run(cfg)
	}
}

func secretRef(kv ...string) []any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return []any{m}
}

var ruleCases = []ruleCase{
	{"cap-drop-all-ok", ruleCapDropAll, false, "", svc(lc("capDrop", []string{"all"}))},
	{"cap-drop-all-missing", ruleCapDropAll, true, "web", svc(lc("capDrop", nil))},
	{"cap-drop-all-partial", ruleCapDropAll, true, "web", svc(lc("capDrop", []any{"NET_RAW"}))},

	{"cap-add-table", ruleCapNotAllowed, false, "",
		svc(lc("capAdd", []any{"CHOWN", "cap_setuid", "KILL", "NET_BIND_SERVICE"}))},
	{"cap-add-global-net-bind", ruleCapNotAllowed, false, "", svc(lc("dataVolumes", globalRO,
		"user", "10001:55809", "capAdd", []any{"NET_BIND_SERVICE"}))},
	{"cap-add-sys-admin", ruleCapNotAllowed, true, "web", svc(lc("capAdd", []any{"SYS_ADMIN"}))},
	{"cap-add-chown-with-global", ruleCapNotAllowed, true, "web", svc(lc("dataVolumes",
		globalRO, "user", "10001", "capAdd", []string{"CHOWN"}))},

	{"privileged-false", rulePrivileged, false, "", svc(lc("privileged", false))},
	{"privileged-true", rulePrivileged, true, "web", svc(lc("privileged", true))},

	{"network-managed", ruleHostNetwork, false, "", svc(lc("networkMode", "managed"))},
	{"network-host", ruleHostNetwork, true, "web", svc(lc("networkMode", "host"))},
	{"pid-default", ruleHostPID, false, "", svc(lc())},
	{"pid-host", ruleHostPID, true, "web", svc(lc("pidMode", "host"))},
	{"ipc-container", ruleHostIPC, false, "", svc(lc("ipcMode", "container:app"))},
	{"ipc-host", ruleHostIPC, true, "web", svc(lc("ipcMode", "host"))},
	{"uts-private", ruleHostUTS, false, "", svc(lc("uts", ""))},
	{"uts-host", ruleHostUTS, true, "web", svc(lc("uts", "host"))},
	{"secopt-nnp", ruleSecurityOpt, false, "", svc(lc("securityOpt",
		[]any{"no-new-privileges"}))},
	{"secopt-unconfined", ruleSecurityOpt, true, "web", svc(lc("securityOpt",
		[]any{"seccomp:unconfined"}))},
	{"devices-none", ruleDevices, false, "", svc(lc())},
	{"devices-fuse", ruleDevices, true, "web",
		svc(lc("devices", []any{"/dev/fuse:/dev/fuse:rwm"}))},

	{"bind-global-named-anonymous", ruleHostBind, false, "", svc(lc("user", "10001",
		"dataVolumes", []any{"/global/cfs/cdirs/m669:/d:ro", "db.mystack:/db", "/cache"}))},
	{"bind-docker-sock", ruleHostBind, true, "web",
		svc(lc("dataVolumes", []any{"/var/run/docker.sock:/var/run/docker.sock"}))},
	{"bind-escapes-global", ruleHostBind, true, "web",
		svc(lc("user", "10001", "dataVolumes", []any{"/global/../etc:/etc2:ro"}))},
	{"bind-relative", ruleHostBind, true, "web", svc(lc("dataVolumes", []any{"./web:/srv"}))},

	{"global-user-numeric", ruleGlobalRootUser, false, "",
		svc(lc("dataVolumes", globalRO, "user", "10001:55809"))},
	{"global-user-unset", ruleGlobalRootUser, true, "web", svc(lc("dataVolumes", globalRO))},
	{"global-user-root", ruleGlobalRootUser, true, "web",
		svc(lc("dataVolumes", globalRO, "user", "0:0"))},
	{"global-user-name", ruleGlobalRootUser, true, "web",
		svc(lc("dataVolumes", globalRO, "user", "UserID:GroupID"))},
	{"global-user-via-volumes-from", ruleGlobalRootUser, true, "log",
		svc(lc("dataVolumes", globalRO, "user", "10001"),
			lc("name", "log", "dataVolumesFromLaunchConfigs", []any{"web"}))},

	{"global-ro-published", ruleGlobalRWPublished, false, "", svc(lc("dataVolumes", globalRO,
		"user", "10001", "ports", []any{"60000:8080"}))},
	{"global-rw-internal", ruleGlobalRWPublished, false, "", svc(lc("user", "10001",
		"dataVolumes", []any{"/global/cfs/cdirs/m669/dump:/dump"}))},
	{"global-rw-published", ruleGlobalRWPublished, true, "web", svc(lc("user", "10001",
		"ports", []any{"60000:8080"}, "dataVolumes", []any{"/global/cfs/cdirs/m669:/d:z"}))},

	{"user-own", ruleUserNotAllowed, false, "", as(elvis, svc(lc("user", "501:1000")))},
	{"user-collab", ruleUserNotAllowed, false, "", as(elvis, svc(lc("user", "10001")))},
	{"user-no-caller", ruleUserNotAllowed, false, "", svc(lc("user", "20000"))},
	{"user-other-uid", ruleUserNotAllowed, true, "web", as(elvis, svc(lc("user", "20000")))},
	{"user-other-gid", ruleUserNotAllowed, true, "web", as(elvis, svc(lc("user", "501:99")))},
	{"user-name", ruleUserNotAllowed, true, "web", as(elvis, svc(lc("user", "nobody")))},
	{"user-group-name", ruleUserNotAllowed, true, "web", as(elvis, svc(lc("user",
		"501:root")))},
	{"group-add-numeric", ruleGroupAddName, false, "", as(elvis, svc(lc("user", "501",
		"groupAdd", []any{"1000"})))},
	{"group-add-no-caller", ruleGroupAddName, false, "", svc(lc("groupAdd", []any{"nginx"}))},
	{"group-add-name", ruleGroupAddName, true, "web", as(elvis, svc(lc("user", "501",
		"groupAdd", []any{"nginx"})))},

	{"ports-firewalled", rulePortNotAllowed, false, "", svc(lc("ports", []any{"60000:8080",
		"127.0.0.1:8081:80", "3306:3306/tcp", "[::1]:60001:80", "55000-55010:9000-9010"}))},
	{"ports-80", rulePortNotAllowed, true, "web", svc(lc("ports", []any{"80:8080"}))},
	{"ports-443", rulePortNotAllowed, true, "web", svc(lc("ports", []any{"443:8443/tcp"}))},
	{"ports-unlisted", rulePortNotAllowed, true, "web", svc(lc("ports", []string{"8000:8000"}))},
	{"ports-random", rulePortNotAllowed, true, "web", svc(lc("ports", []any{"8080"}))},
	{"ports-range-past-list", rulePortNotAllowed, true, "web",
		svc(lc("ports", []any{"60040-60060:8040-8060"}))},

	{"registry-nersc", ruleImageRegistry, false, "",
		svc(lc("imageUuid", "docker:registry.nersc.gov/m669/app:1.2"))},
	{"registry-spin", ruleImageRegistry, false, "",
		svc(lc("imageUuid", "docker:registry.spin.nersc.gov/das/app:1"))},
	{"registry-hub-host", ruleImageRegistry, false, "",
		svc(lc("imageUuid", "docker:docker.io/library/nginx:1.19"))},
	{"registry-quay", ruleImageRegistry, true, "web",
		svc(lc("imageUuid", "docker:quay.io/prometheus/prometheus:v2.20.0"))},
	{"registry-no-image", ruleImageRegistry, true, "web", svc(lc("imageUuid", nil))},

	{"official-library", ruleImageOfficial, false, "",
		svc(lc("imageUuid", "docker:library/redis:5"))},
	{"official-nersc-not-hub", ruleImageOfficial, false, "",
		svc(lc("imageUuid", "docker:registry.nersc.gov/m669/app:1"))},
	{"official-user-image", ruleImageOfficial, true, "web",
		svc(lc("imageUuid", "docker:exampleuser/app:1"))},
	{"official-unknown-name", ruleImageOfficial, true, "web",
		svc(lc("imageUuid", "docker:nginx-rootless:v1"))},

	{"latest-pinned", ruleImageLatest, false, "", svc(lc("imageUuid", "docker:mongo:4.2"))},
	{"latest-pulled", ruleImageLatest, false, "", svc(lc("imageUuid", "docker:mongo",
		"labels", map[string]any{labelPullImage: "always"}))},
	{"latest-digest", ruleImageLatest, false, "",
		svc(lc("imageUuid", "docker:mongo@sha256:0123456789abcdef"))},
	{"latest-tag", ruleImageLatest, true, "web", svc(lc("imageUuid", "docker:mongo:latest"))},
	{"latest-untagged", ruleImageLatest, true, "web", svc(lc("imageUuid", "docker:mongo"))},

	{"build-none", ruleBuild, false, "", svc(lc())},
	{"build-context", ruleBuild, true, "web", svc(lc("imageUuid", nil,
		"build", map[string]any{"context": "/src/app", "dockerfile": "Dockerfile"}))},

	{"lb-none", ruleLoadBalancer, false, "", svc(lc())},
	{"lb-haproxy", ruleLoadBalancer, true, "web",
		svc(lc("imageUuid", "docker:rancher/lb-service-haproxy:v0.7.5"))},
	{"lb-legacy", ruleLoadBalancer, true, "web",
		svc(lc("imageUuid", "docker:rancher/load-balancer-service"))},

	{"agent-none", ruleAgentRole, false, "", svc(lc())},
	{"agent-create", ruleAgentRole, true, "web",
		svc(lc("labels", map[string]any{labelCreateAgent: "true"}))},
	{"agent-role", ruleAgentRole, true, "web",
		svc(lc("labels", map[string]string{labelAgentRole: "environment"}))},

	{"global-scheduling-false", ruleGlobalScheduling, false, "",
		svc(lc("labels", map[string]any{labelGlobal: "false"}))},
	{"global-scheduling-true", ruleGlobalScheduling, true, "web",
		svc(lc("labels", map[string]any{labelGlobal: "true"}))},

	{"affinity-container", ruleHostAffinity, false, "", svc(lc("labels", map[string]any{
		"io.rancher.scheduler.affinity:container_label_ne": "app=x"}))},
	{"affinity-host", ruleHostAffinity, true, "web", svc(lc("labels", map[string]any{
		"io.rancher.scheduler.affinity:host_label_soft": "sentry=true"}))},

	{"restart-no", ruleRestart, false, "",
		svc(lc("restartPolicy", map[string]any{"name": "no"}))},
	{"restart-always", ruleRestart, true, "web",
		svc(lc("restartPolicy", map[string]any{"name": "always"}))},

	{"service-name-plain", ruleServiceName, false, "", named("web", lc())},
	{"service-name-suffix", ruleServiceName, false, "", named("db-mysql", lc())},
	{"service-name-util", ruleServiceName, false, "", named("util-cron", lc())},
	{"service-name-free", ruleServiceName, true, "jupyterdev", named("jupyterdev", lc())},
	{"service-name-no-dash", ruleServiceName, true, "webapp", named("webapp", lc())},
	{"service-name-sidekick", ruleServiceName, true, "phpdata",
		svc(lc(), lc("name", "phpdata"))},

	{"stack-name-ok", ruleStackName, false, "", stack("rover-jprom", "")},
	{"stack-name-digits", ruleStackName, false, "", stack("2048", "")},
	{"stack-name-upper", ruleStackName, true, "", stack("My_Stack", "")},
	{"stack-name-dash", ruleStackName, true, "", stack("-x", "")},
	{"stack-name-long", ruleStackName, true, "", stack(strings.Repeat("a", 64), "")},

	{"volume-name-ok", ruleVolumeName, false, "",
		svc(lc("dataVolumes", []any{"db.mystack:/var/lib/mysql"}))},
	{"volume-name-capitals", ruleVolumeName, true, "web",
		svc(lc("dataVolumes", []any{"db.MySQL:/var/lib/mysql"}))},
	{"volume-name-underscore-first", ruleVolumeName, true, "web",
		svc(lc("dataVolumes", []any{"_cache:/cache"}))},

	{"nfs-name-ok", ruleNFSVolumeName, false, "", svc(lc("volumeDriver", "rancher-nfs",
		"dataVolumes", []any{"db.mystack:/data"}))},
	{"nfs-name-local-driver", ruleNFSVolumeName, false, "",
		svc(lc("dataVolumes", []any{"data:/data"}))},
	{"nfs-name-no-stack", ruleNFSVolumeName, true, "web", svc(lc("volumeDriver",
		"rancher-nfs", "dataVolumes", []any{"data:/data"}))},
	{"nfs-name-other-stack", ruleNFSVolumeName, true, "web", svc(lc("volumeDriver",
		"rancher-nfs", "dataVolumes", []any{"db.other:/data"}))},

	{"secret-name-service", ruleSecretName, false, "",
		svc(lc("secrets", secretRef("source", "web.mystack.tls_key")))},
	{"secret-name-shared", ruleSecretName, false, "",
		svc(lc("secrets", secretRef("source", "mystack.tls_key")))},
	{"secret-name-bare", ruleSecretName, true, "web",
		svc(lc("secrets", secretRef("source", "mysql_password")))},
	{"secret-name-other-service", ruleSecretName, true, "web",
		svc(lc("secrets", secretRef("source", "db.mystack.mysql_password")))},

	{"secret-owner-numeric", ruleSecretOwner, false, "", svc(lc("secrets",
		secretRef("source", "web.mystack.key", "uid", "0", "gid", "0", "mode", "400")))},
	{"secret-owner-default", ruleSecretOwner, false, "",
		svc(lc("secrets", secretRef("source", "web.mystack.key")))},
	{"secret-owner-uid-name", ruleSecretOwner, true, "web",
		svc(lc("secrets", secretRef("source", "web.mystack.key", "uid", "UserID")))},
	{"secret-owner-gid-name", ruleSecretOwner, true, "web",
		svc(lc("secrets", secretRef("source", "web.mystack.key", "gid", "www-data")))},

	{"tags-complete", ruleStackTags, false, "",
		stack("mystack", "owner:elvis,staff-owner:wilma,group:csg")},
	{"tags-free-text", ruleStackTags, false, "",
		stack("mystack", "prod, owner:elvis , Staff-Owner:wilma,requires:gpfs")},
	{"tags-none", ruleStackTags, true, "", stack("mystack", "")},
	{"tags-no-staff", ruleStackTags, true, "", stack("mystack", "owner:elvis")},
	{"tags-empty-owner", ruleStackTags, true, "", stack("mystack", "owner:,staff-owner:wilma")},
	{"tags-two-owners", ruleStackTags, true, "",
		stack("mystack", "owner:elvis,owner:fred,staff-owner:wilma")},
}

func TestAuditRules(t *testing.T) {
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			fs := tc.run(Config{})
			got := ofRule(fs, tc.rule)
			if !tc.fire {
				if len(got) > 0 {
					t.Fatalf("%s fired: %+v", tc.rule, got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("%s did not fire; findings: %+v", tc.rule, fs)
			}
			for _, f := range got {
				checkFinding(t, f, tc.service)
			}
		})
	}
}

// checkFinding holds every finding to the promise: it names the
// service and the key and says what is allowed.
func checkFinding(t *testing.T, f Finding, service string) {
	t.Helper()
	want, _ := defaultLevel(f.Rule)
	if f.Level != want {
		t.Errorf("level = %s, want the default %s", f.Level, want)
	}
	if f.Service != service {
		t.Errorf("service = %q, want %q", f.Service, service)
	}
	subject := "stack "
	if service != "" {
		subject = "\"" + service + "\""
	}
	for _, part := range []string{subject, f.Key} {
		if f.Key == "" || !strings.Contains(f.Message, part) {
			t.Errorf("message %q does not name %q (key %q)", f.Message, part, f.Key)
		}
	}
	if !strings.Contains(f.Message, "allowed") && !strings.Contains(f.Message, "required") {
		t.Errorf("message %q does not say what is allowed", f.Message)
	}
}

func ofRule(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// Every rule has at least one passing and one failing case.
func TestAuditRulesAllCovered(t *testing.T) {
	pass, fail := map[string]bool{}, map[string]bool{}
	for _, tc := range ruleCases {
		if _, ok := defaultLevel(tc.rule); !ok {
			t.Errorf("case %s names unknown rule %q", tc.name, tc.rule)
		}
		if tc.fire {
			fail[tc.rule] = true
		} else {
			pass[tc.rule] = true
		}
	}
	for _, r := range Rules() {
		if !pass[r.ID] || !fail[r.ID] {
			t.Errorf("rule %s: passing case %v, failing case %v", r.ID, pass[r.ID], fail[r.ID])
		}
	}
}

// A launch config that passes everything stays silent, and so does a
// complete stack.
func TestAuditCleanInputHasNoFindings(t *testing.T) {
	if fs := CheckService(Config{Caller: elvis}, "mystack", "web-app", lc("user", "501",
		"dataVolumes", globalRO, "ports", []any{"60000:8080"},
		"capAdd", []any{"NET_BIND_SERVICE"}), nil); len(fs) > 0 {
		t.Errorf("CheckService: %+v", fs)
	}
	if fs := CheckStack(Config{}, "mystack", "owner:elvis,staff-owner:wilma"); len(fs) > 0 {
		t.Errorf("CheckStack: %+v", fs)
	}
}

// The known Spin text leads the user-not-allowed message.
func TestAuditUserMessageStartsWithSpinText(t *testing.T) {
	fs := ofRule(CheckService(Config{Caller: elvis}, "mystack", "web", lc("user", "20000"),
		nil), ruleUserNotAllowed)
	if len(fs) != 1 {
		t.Fatalf("findings = %+v", fs)
	}
	const spin = "you cannot run a stack with your user: elvis ("
	if !strings.HasPrefix(fs[0].Message, spin) || !strings.Contains(fs[0].Message, "10001") {
		t.Errorf("message = %q, want it to start with %q and list uid 10001", fs[0].Message,
			spin)
	}
}

// A caller with every field zero is no caller.
func TestAuditZeroCallerSkipsUserRule(t *testing.T) {
	fs := CheckService(Config{Caller: &Caller{}}, "mystack", "web", lc("user", "20000"), nil)
	if got := ofRule(fs, ruleUserNotAllowed); len(got) > 0 {
		t.Errorf("findings = %+v", got)
	}
}

// Request bodies can hold any JSON; odd types are skipped, never a panic.
func TestAuditOddValuesDoNotPanic(t *testing.T) {
	odd := map[string]any{"imageUuid": 7.0, "capAdd": 5, "capDrop": map[string]any{},
		"dataVolumes": map[string]any{"a": 1}, "labels": []any{"x"}, "secrets": "x",
		"restartPolicy": "always", "ports": []any{1.0, nil, "x:y:z:w"}, "user": 1000.0,
		"privileged": "yes", "build": nil}
	fs := CheckService(Config{Caller: elvis}, "", "", odd, []map[string]any{nil, odd})
	if !Rejected(fs) {
		t.Errorf("odd launch config passed: %+v", fs)
	}
	CheckService(Config{}, "mystack", "web", nil, nil)
}

// The name suggested for an over-long stack name is itself a valid one.
func TestStackNameHintIsValid(t *testing.T) {
	fs := ofRule(CheckStack(Config{}, strings.Repeat("a", 70), ""), ruleStackName)
	want := "e.g. \"" + strings.Repeat("a", 63) + "\""
	if len(fs) != 1 || !strings.HasSuffix(fs[0].Message, want) {
		t.Errorf("findings %+v, want a message ending %s", fs, want)
	}
}
