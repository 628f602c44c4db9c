package fakeapi

import (
	"slices"
	"testing"

	"github.com/spinlocal/spinlocal/emulator"
)

// rancher ps shows SCALE as len(instanceIds)/scale; status shows currentScale, the units
// that run.
func TestScaleFieldsUnit(t *testing.T) {
	once := map[string]any{"labels": map[string]any{"io.rancher.container.start_once": "true"}}
	ct := func(id string, index int, lc, state string) emulator.Container {
		return emulator.Container{Meta: emulator.Meta{ID: id, State: state},
			ServiceIndex: index, LaunchConfig: lc, StartCount: 1}
	}
	retired := ct("old", 1, "", "stopped")
	retired.Retired = true
	job := ct("job", 1, "", "stopped")
	job.Spec = once
	side := emulator.Service{Secondary: []map[string]any{{"name": "side"}}}
	tests := []struct {
		name    string
		svc     emulator.Service
		list    []emulator.Container
		ids     []string
		current int
	}{
		{"running", emulator.Service{}, []emulator.Container{ct("a", 1, "", "running")},
			[]string{"a"}, 1},
		{"exited, to be started again", emulator.Service{},
			[]emulator.Container{ct("a", 1, "", "stopped")}, []string{"a"}, 0},
		{"failed to start", emulator.Service{},
			[]emulator.Container{ct("a", 1, "", "error")}, []string{}, 0},
		{"replaced", emulator.Service{}, []emulator.Container{ct("a", 1, "", "removing"),
			ct("b", 1, "", "running")}, []string{"b"}, 1},
		{"upgraded", emulator.Service{}, []emulator.Container{retired,
			ct("new", 1, "", "running")}, []string{"old", "new"}, 1},
		{"upgrade failed", emulator.Service{}, []emulator.Container{retired,
			ct("new", 1, "", "error")}, []string{"old"}, 0},
		{"sidekick down", side, []emulator.Container{ct("a", 1, "", "running"),
			ct("s", 1, "side", "stopped")}, []string{"a"}, 0},
		{"unit up", side, []emulator.Container{ct("a", 1, "", "running"),
			ct("s", 1, "side", "running")}, []string{"a"}, 1},
		{"start_once ran", emulator.Service{}, []emulator.Container{job},
			[]string{"job"}, 1},
	}
	for _, tt := range tests {
		ids, current := scaleFields(tt.svc, tt.list)
		if !slices.Equal(ids, tt.ids) || current != tt.current {
			t.Errorf("%s: instanceIds %v currentScale %d, want %v %d", tt.name, ids,
				current, tt.ids, tt.current)
		}
	}
}
