package client

import (
	"testing"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

func TestChangeStringUnit(t *testing.T) {
	tests := []struct {
		ch   Change
		want string
	}{
		{Change{Service: "db", Kind: Unchanged}, "reload: db unchanged"},
		{Change{Service: "web", Kind: Scaled, ScaleFrom: 1, ScaleTo: 3},
			"reload: web scaled 1 -> 3"},
		{Change{Service: "web", Kind: Upgraded, Detail: "environment", ScaleFrom: 3,
			ScaleTo: 1}, "reload: web upgraded (environment), scaled 3 -> 1"},
		{Change{Service: "web", Kind: Updated, Detail: "metadata"},
			"reload: web updated (metadata)"},
	}
	for _, tt := range tests {
		if got := tt.ch.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.ch, got, tt.want)
		}
	}
}

func TestScaleTargetUnit(t *testing.T) {
	deployed := Resource{"scale": float64(1)}
	svc := compose.Service{Name: "web", Kind: "service", Scale: 3,
		LaunchConfig: map[string]any{}}
	global := svc
	global.LaunchConfig = map[string]any{"labels": map[string]any{
		"io.rancher.scheduler.global": "true"}}
	external := svc
	external.Kind = "externalService"
	tests := []struct {
		name   string
		svc    compose.Service
		scales map[string]int
		want   int
	}{
		{"no-scales", svc, nil, 0},
		{"edited", svc, map[string]int{"web": 1}, 3},
		{"not-edited", svc, map[string]int{"web": 3}, 0},
		{"new-in-the-files", svc, map[string]int{}, 3},
		{"global", global, map[string]int{"web": 1}, 0},
		{"external", external, map[string]int{"web": 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scaleTarget(deployed, tt.svc, ReloadOptions{Scales: tt.scales})
			if got != tt.want {
				t.Errorf("scaleTarget = %d, want %d", got, tt.want)
			}
		})
	}
	if got := scaleTarget(Resource{"scale": float64(3)}, svc,
		ReloadOptions{Scales: map[string]int{"web": 1}}); got != 0 {
		t.Errorf("scaleTarget of a service already at the files' scale = %d", got)
	}
}

// Only the hash differing is no settings change to report; the server's empty values
// equal the files' absent ones.
func TestSettingsDetailUnit(t *testing.T) {
	r := Resource{"metadata": map[string]any{"io.rancher.service.hash": "old"},
		"hostname": "", "externalIpAddresses": []any{"10.0.0.1"}}
	svc := compose.Service{Kind: "externalService",
		Metadata: map[string]any{"io.rancher.service.hash": "new"},
		Fields:   map[string]any{"externalIpAddresses": []any{"10.0.0.1"}}}
	if got := settingsDetail(r, svc); got != "" {
		t.Errorf("settingsDetail = %q, want nothing", got)
	}
	svc.Metadata["color"] = "blue"
	svc.Fields = map[string]any{"hostname": "db.example.org"}
	if got := settingsDetail(r, svc); got != "metadata, externalIpAddresses, hostname" {
		t.Errorf("settingsDetail = %q", got)
	}
}
