package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const auditGood = `version: '2'
services:
  web:
    image: registry.nersc.gov/m669/web:1.0
    user: '10001:55809'
    cap_drop: [ALL]
    ports: ['60000:8080']
    volumes: ['/global/cfs/cdirs/m669/www:/srv:ro']
    labels:
      io.spinlocal.stack.tags: owner:elvis,staff-owner:wilma
`

const auditBad = `version: '2'
services:
  web:
    image: nginx:1.19
    cap_drop: [ALL]
    cap_add: [SYS_ADMIN]
    ports:
      - 80:8080
`

// auditRun runs `spinlocal audit` in-process on a compose file written to
// a temp dir and returns stdout and the error.
func auditRun(t *testing.T, compose string, args ...string) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "docker-compose.yml")
	if err := os.WriteFile(path, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errOut
	argv := append([]string{"spinlocal", "audit", "-f", path, "--stack", "mystack"}, args...)
	err := app.RunContext(t.Context(), argv)
	return out.String(), err
}

func TestAuditAcceptsGoodFile(t *testing.T) {
	out, err := auditRun(t, auditGood)
	if err != nil {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	if out != "stack \"mystack\": accepted (0 rejected, 0 warnings)\n" {
		t.Errorf("output = %q", out)
	}
}

func TestAuditRejectsBadFile(t *testing.T) {
	out, err := auditRun(t, auditBad)
	if err == nil || !strings.Contains(err.Error(), `stack "mystack" is rejected`) {
		t.Fatalf("error = %v, want a rejection\n%s", err, out)
	}
	for _, want := range []string{
		"docker-compose.yml:6: reject cap-not-allowed: service \"web\": cap_add: SYS_ADMIN",
		"docker-compose.yml:7: reject port-not-allowed: service \"web\": ports: host port 80",
		"allowed: ",
		"warn stack-tags",
		"stack \"mystack\": rejected (2 rejected, 1 warnings)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAuditLevelFlag(t *testing.T) {
	out, err := auditRun(t, auditBad, "--level", "cap-not-allowed=warn",
		"--level", "port-not-allowed=off")
	if err != nil || strings.Contains(out, "port-not-allowed") {
		t.Errorf("with both rules lowered: err %v\n%s", err, out)
	}
	_, err = auditRun(t, auditBad, "--level", "no-such-rule=warn")
	if err == nil || !strings.Contains(err.Error(), `unknown audit rule "no-such-rule"`) {
		t.Errorf("unknown rule: error = %v", err)
	}
	_, err = auditRun(t, auditBad, "--level", "privileged")
	if err == nil || !strings.Contains(err.Error(), "RULE=LEVEL") {
		t.Errorf("malformed --level: error = %v", err)
	}
}

func TestAuditJSON(t *testing.T) {
	t.Setenv("SPINLOCAL_FORMAT", "json") // the flag's env twin
	out, err := auditRun(t, auditBad)
	if err == nil {
		t.Fatal("bad file passed")
	}
	var report struct {
		Stack    string
		Rejected bool
		Findings []struct{ Rule, Level, Service, Key, Message, File string }
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if report.Stack != "mystack" || !report.Rejected || len(report.Findings) != 3 {
		t.Fatalf("report = %+v", report)
	}
	f := report.Findings[1]
	if f.Rule != "cap-not-allowed" || f.Level != "reject" || f.Service != "web" ||
		f.Key != "cap_add" || !strings.HasSuffix(f.File, "docker-compose.yml") {
		t.Errorf("finding = %+v", f)
	}
}

func TestAuditSARIF(t *testing.T) {
	out, _ := auditRun(t, auditBad, "--format", "sarif")
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") ||
		len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "spinlocal" {
		t.Fatalf("not a SARIF 2.1.0 log: %+v", log)
	}
	results := log.Runs[0].Results
	if len(results) != 3 {
		t.Fatalf("results = %+v", results)
	}
	for _, r := range results {
		if r.RuleID == "" || r.Message.Text == "" || len(r.Locations) != 1 ||
			!strings.HasSuffix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI,
				"docker-compose.yml") {
			t.Errorf("result = %+v", r)
		}
		if r.RuleID == "port-not-allowed" && (r.Level != "error" ||
			r.Locations[0].PhysicalLocation.Region.StartLine != 7) {
			t.Errorf("port result = %+v", r)
		}
	}
}

// A file the loader cannot read reports the loader's error, with its line.
func TestAuditLoaderError(t *testing.T) {
	_, err := auditRun(t, "version: '2'\nservices:\n  web:\n    image: [nginx\n")
	if err == nil || !strings.Contains(err.Error(), "docker-compose.yml: line") {
		t.Errorf("error = %v, want the loader's located error", err)
	}
	_, err = auditRun(t, auditGood, "--format", "xml")
	if err == nil || !strings.Contains(err.Error(), `unknown --format "xml"`) {
		t.Errorf("error = %v", err)
	}
}

func TestAuditListRules(t *testing.T) {
	out, err := auditRun(t, auditGood, "--list-rules")
	if err != nil || !strings.Contains(out, "service-name") || !strings.Contains(out, "warn") {
		t.Errorf("list-rules: %v\n%s", err, out)
	}
}
