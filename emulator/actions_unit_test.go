package emulator

import (
	"slices"
	"testing"
)

// Rollback is offered where Cattle offers it, and on a service an upgrade left in error.
func TestServiceActionsRollbackUnit(t *testing.T) {
	up := &Upgrade{PreviousLaunchConf: map[string]any{"imageUuid": "docker:old"}}
	tests := []struct {
		name        string
		state, step string
		upgrade     *Upgrade
		want        bool
	}{
		{"upgraded", "upgraded", "", up, true},
		{"upgrading", "upgrading", "", up, true},
		{"failed-upgrade", "error", "upgrading", up, true},
		{"failed-finish", "error", "finishing-upgrade", up, false},
		{"failed-rollback", "error", "rolling-back", up, false},
		{"failed-activate", "error", "", nil, false},
		{"active-after-upgrade", "active", "", up, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := Service{Meta: Meta{Type: KindService, State: tt.state},
				ErrorDuring: tt.step, Upgrade: tt.upgrade}
			acts := ServiceActions(svc)
			if got := slices.Contains(acts, "rollback"); got != tt.want {
				t.Errorf("ServiceActions(%s during %q) = %v, rollback want %v", tt.state,
					tt.step, acts, tt.want)
			}
			if tt.state == "error" && !slices.Contains(acts, "activate") {
				t.Errorf("ServiceActions(error) = %v, want activate kept", acts)
			}
		})
	}
	// The state's own list is not changed underneath.
	if slices.Contains(Actions(KindService, "error"), "rollback") {
		t.Errorf("Actions(error) = %v", Actions(KindService, "error"))
	}
}
