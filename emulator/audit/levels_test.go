package audit

import (
	"errors"
	"strings"
	"testing"
)

func TestAuditParseLevels(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]string
		want    Levels
		wantErr error
		errText string
	}{
		{name: "empty", in: nil, want: Levels{}},
		{name: "strict-names",
			in:   map[string]string{"service-name": "reject", "Stack-Tags": " Off "},
			want: Levels{"service-name": Reject, "stack-tags": Off}},
		{name: "unknown-rule", in: map[string]string{"no-root": "reject"},
			wantErr: ErrUnknownRule, errText: `"no-root": known rules are cap-drop-all`},
		{name: "unknown-level", in: map[string]string{"privileged": "block"},
			wantErr: ErrUnknownLevel, errText: `"block": use reject, warn or off`},
		{name: "empty-level", in: map[string]string{"privileged": ""}, wantErr: ErrUnknownLevel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLevels(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("ParseLevels(%v) error = %v, want %v containing %q", tt.in, err,
						tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLevels(%v): %v", tt.in, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ParseLevels(%v) = %v, want %v", tt.in, got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("ParseLevels(%v)[%s] = %q, want %q", tt.in, k, got[k], v)
				}
			}
		})
	}
}

// Config levels change what a finding is, or drop it.
func TestAuditConfigLevels(t *testing.T) {
	bad := lc("privileged", true)
	levels, err := ParseLevels(map[string]string{"privileged": "warn", "cap-drop-all": "off"})
	if err != nil {
		t.Fatal(err)
	}
	fs := CheckService(Config{Levels: levels}, "mystack", "web", lc("privileged", true,
		"capDrop", nil), nil)
	if Rejected(fs) || len(fs) != 1 || fs[0].Rule != rulePrivileged || fs[0].Level != Warn {
		t.Errorf("with privileged=warn, cap-drop-all=off: %+v", fs)
	}
	if fs := CheckService(Config{}, "mystack", "web", bad, nil); !Rejected(fs) {
		t.Errorf("default levels did not reject privileged: %+v", fs)
	}
	strict := Config{Levels: Levels{"service-name": Reject}}
	if fs := CheckService(strict, "mystack", "backup", lc(), nil); !Rejected(fs) {
		t.Errorf("strict service names did not reject \"backup\": %+v", fs)
	}
}

// Rules lists unique ids with valid default levels and a description.
func TestAuditRulesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] || r.Description == "" {
			t.Errorf("rule %+v duplicated or undescribed", r)
		}
		seen[r.ID] = true
		if r.Level != Reject && r.Level != Warn {
			t.Errorf("rule %s default level %q", r.ID, r.Level)
		}
	}
	if lvl, _ := defaultLevel(ruleServiceName); lvl != Warn {
		t.Errorf("service-name defaults to %s; spin-rules.md §2 makes it a warning", lvl)
	}
}
