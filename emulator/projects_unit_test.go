package emulator

import (
	"slices"
	"strings"
	"testing"
)

func TestValidProjectNameUnit(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"lab", true},
		{"Elvis-Lab-2", true},
		{"a", true},
		{strings.Repeat("a", 63), true},
		{"", false},
		{strings.Repeat("a", 64), false},
		{"-lab", false},
		{"lab-", false},
		{"my_env", false},
		{"my env", false},
		{"lab.dev", false},
	}
	for _, tt := range tests {
		if err := validProjectName(tt.name); (err == nil) != tt.ok {
			t.Errorf("validProjectName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// New environments take the next free 1a number: dev-cattle holds 1a5.
func TestProjectIDsSkipSpinsUnit(t *testing.T) {
	e, _ := newEmu(t)
	var got []string
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		p, err := e.CreateProject(alice, ProjectInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.ID)
	}
	if want := []string{"1a1", "1a2", "1a3", "1a4", "1a6"}; !slices.Equal(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
}

// An environment with a service in the middle of an upgrade is not deactivated, and
// nothing in it changes.
func TestDeactivateRefusedDuringUpgradeUnit(t *testing.T) {
	e, _ := newEmu(t)
	p, err := e.CreateProject(alice, ProjectInput{Name: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.CreateStack(alice, p.ID, StackInput{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	scale := 1
	lc := map[string]any{"imageUuid": "docker:nginx:1.25"}
	svc, err := e.CreateService(alice, p.ID, ServiceInput{Name: "app", StackID: st.ID,
		Scale: &scale, LaunchConfig: lc, StartOnCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	passes(t, e, 2)
	if _, err := e.UpgradeService(alice, p.ID, svc.ID, UpgradeInput{HasStrategy: true,
		LaunchConfig: map[string]any{"imageUuid": "docker:nginx:1.26"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.ProjectAction(alice, p.ID, "deactivate")
	if err == nil || !strings.Contains(err.Error(), "upgrade first") {
		t.Fatalf("deactivate during an upgrade: %v", err)
	}
	if got, _ := e.Project(alice, p.ID); got.State != "active" || len(got.Paused) != 0 {
		t.Fatalf("environment after the refusal: %s %v", got.State, got.Paused)
	}
	if got, _ := e.Service(p.ID, svc.ID); got.State != "upgrading" {
		t.Fatalf("service after the refusal: %s", got.State)
	}
}
