package audit

import (
	"strings"
	"testing"
)

func TestAuditGroupAddNeedsTheCallersGroups(t *testing.T) {
	cfg := Config{Caller: &Caller{Name: "elvis", UID: 10001, GIDs: []int{10001, 71234}}}
	base := map[string]any{"imageUuid": "docker:nginx:1.25", "capDrop": []any{"ALL"},
		"user": "10001:10001"}
	// Root is gid 0 in every image; other names are group-add-name's.
	for groups, refused := range map[string]bool{"71234": false, "nginx": false,
		"10002": true, "0": true, "root": true} {
		lc := map[string]any{}
		for k, v := range base {
			lc[k] = v
		}
		lc["groupAdd"] = []any{groups}
		fs := CheckService(cfg, "demo", "web", lc, nil)
		got := false
		for _, f := range fs {
			if f.Rule == ruleUserNotAllowed && f.Key == "group_add" &&
				strings.Contains(f.Message, "you cannot run a stack with your user: elvis") {
				got = true
			}
		}
		if got != refused {
			t.Errorf("group_add %q: refused=%v, want %v (%v)", groups, got, refused, fs)
		}
	}
}
