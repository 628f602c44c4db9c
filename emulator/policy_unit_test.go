package emulator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPolicyUnit(t *testing.T) {
	good := `audit:
  cap-drop-all: warn
  service-name: reject
users:
  - name: elvis
    uid: 10001
    groups: [{name: csg, gid: 71234}]
collaboration:
  - name: c_rover
    uid: 70001
    groups: [csg]
`
	cases := map[string]struct {
		text, wantErr string
	}{
		"good":          {good, ""},
		"empty":         {"", ""},
		"unknown rule":  {"audit:\n  no-such-rule: warn\n", `unknown audit rule "no-such-rule"`},
		"unknown level": {"audit:\n  privileged: maybe\n", `unknown audit level "maybe"`},
		"unknown key":   {"audits:\n  privileged: warn\n", "field audits not found"},
		"bad user":      {"users:\n  - name: ../x\n    uid: 1\n", `"../x" needs a valid name`},
		"not yaml":      {"audit: [\n", "daemon config"},
		"shared envs":   {"environments:\n  visible_to: everyone\n", ""},
		"bad envs":      {"environments:\n  visible_to: team\n", `visible_to is "team"`},
		"envs key":      {"environments:\n  shared: true\n", "in environments (visible_to)"},
		"no uid": {"users:\n  - name: elvis\n",
			"users: elvis needs a uid above 0 (uid is missing or 0)"},
		"group without gid": {"users:\n  - {name: elvis, uid: 10001, groups: [{name: g}]}\n",
			`users: elvis: group "g" needs a name and a gid above 0`},
		"group gid 0": {"users:\n  - {name: elvis, uid: 10001, groups: [{name: r, gid: 0}]}\n",
			`group "r" needs a name and a gid above 0`},
		"group without name": {"users:\n  - {name: elvis, uid: 10001, groups: [{gid: 5}]}\n",
			`group "" needs a name`},
		"collab without uid": {"collaboration:\n  - {name: c_rover, groups: [csg]}\n",
			"collaboration: c_rover needs a uid above 0"},
		"bad collab": {"collaboration:\n  - {name: ../c, uid: 70001}\n",
			`collaboration: "../c" needs a valid name`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := LoadPolicy(path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadPolicy: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			_ = p
		})
	}
	p, err := LoadPolicy(filepath.Join(t.TempDir(), "missing.yaml"))
	if err != nil || len(p.Users) != 0 {
		t.Fatalf("a missing config must give the default policy: %+v %v", p, err)
	}
}

func TestPolicyCallerUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	text := "users:\n  - {name: elvis, uid: 10001, groups: [{name: csg, gid: 71234}]}\n" +
		"collaboration:\n  - {name: c_rover, uid: 70001, groups: [csg]}\n" +
		"  - {name: c_other, uid: 70002, groups: [nobody]}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	c := p.auditConfig(Caller{User: "elvis"}).Caller
	if c == nil || c.UID != 10001 || len(c.GIDs) != 1 || c.GIDs[0] != 71234 ||
		len(c.Collab) != 1 || c.Collab[0] != 70001 {
		t.Fatalf("caller = %+v", c)
	}
	if p.auditConfig(Caller{User: "stranger"}).Caller != nil {
		t.Error("an unknown user got a caller")
	}
	if p.KnownUser("stranger") || !p.KnownUser("elvis") {
		t.Error("KnownUser")
	}
}

func TestLoadPolicyEnvironmentsUnit(t *testing.T) {
	for text, shared := range map[string]bool{"": false,
		"environments:\n  visible_to: owner\n":    false,
		"environments:\n  visible_to: everyone\n": true} {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := LoadPolicy(path)
		if err != nil || p.EnvironmentsShared != shared {
			t.Errorf("LoadPolicy(%q): shared %v, %v; want shared %v", text,
				p.EnvironmentsShared, err, shared)
		}
	}
}
