package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var reportFindings = []Finding{
	{Rule: rulePortNotAllowed, Level: Reject, Service: "web", Key: "ports",
		Message: `service "web": ports: host port 80`, File: "docker-compose.yml", Line: 9},
	{Rule: ruleStackTags, Level: Warn, Key: "tags", Message: `stack "s": tags: missing`,
		File: "docker-compose.yml"},
}

func TestAuditWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, "s", reportFindings); err != nil {
		t.Fatal(err)
	}
	want := `docker-compose.yml:9: reject port-not-allowed: service "web": ports: host port 80
docker-compose.yml: warn stack-tags: stack "s": tags: missing
stack "s": rejected (1 rejected, 1 warnings)
`
	if b.String() != want {
		t.Errorf("WriteText =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestAuditWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, "s", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("no findings should render as an empty list: %s", b.String())
	}
	b.Reset()
	if err := WriteJSON(&b, "s", reportFindings); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Stack    string
		Rejected bool
		Findings []Finding
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b.String())
	}
	if got.Stack != "s" || !got.Rejected || len(got.Findings) != 2 ||
		got.Findings[0] != reportFindings[0] {
		t.Errorf("decoded %+v", got)
	}
}

func TestAuditWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, "1.0", append(reportFindings, Finding{Rule: ruleBuild,
		Level: Reject, Message: "m", File: "/abs dir/x.yml", Line: 2})); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name == "" {
		t.Fatalf("log = %+v", log)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(Rules()) || len(run.Results) != 3 {
		t.Fatalf("rules %d, results %d", len(run.Tool.Driver.Rules), len(run.Results))
	}
	wantLevels := []string{"error", "warning", "error"}
	wantURIs := []string{"docker-compose.yml", "docker-compose.yml", "file:///abs%20dir/x.yml"}
	for i, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d is not %s", i, r.RuleIndex, r.RuleID)
		}
		if r.Level != wantLevels[i] || r.Message.Text == "" || len(r.Locations) != 1 {
			t.Errorf("result %d = %+v", i, r)
			continue
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != wantURIs[i] {
			t.Errorf("result %d uri = %q, want %q", i, loc.ArtifactLocation.URI, wantURIs[i])
		}
		if (loc.Region == nil) != (i == 1) {
			t.Errorf("result %d region = %+v", i, loc.Region)
		}
	}
}
