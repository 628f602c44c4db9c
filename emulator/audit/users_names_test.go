package audit

import (
	"strings"
	"testing"
)

// With a caller to hold user: to, names cannot be checked (they resolve in the image), so
// they are refused with a message asking for the numeric id; without one they pass.
func TestAuditUserNamesNeedNumericIDs(t *testing.T) {
	caller := &Caller{Name: "elvis", UID: 10001, GIDs: []int{10001, 71234},
		Collab: []int{70001}}
	cases := []struct {
		key     string
		value   any
		refused bool
		want    []string
	}{
		{"user", "10001:71234", false, nil},
		{"user", "70001", false, nil},
		{"user", "0", false, nil},
		{"user", "", false, nil},
		{"user", "nobody", true, []string{`user: "nobody"`, `"nobody" is not a numeric uid`,
			"use the numeric uid", "allowed uids: 10001, 70001"}},
		{"user", "root", true, []string{`"root" is not a numeric uid`}},
		{"user", "10001:root", true, []string{`user: "10001:root"`,
			`"root" is not a numeric gid`, "use the numeric gid", "allowed gids: 10001, 71234"}},
		{"user", "10001:", true, []string{`"" is not a numeric gid`}},
		{"user", "nobody:71234", true, []string{`"nobody" is not a numeric uid`}},
		{"groupAdd", []any{"71234"}, false, nil},
		{"groupAdd", []any{"www-data"}, false, nil}, // group-add-name's, below
		{"groupAdd", []any{"root"}, true, []string{`group_add: "root" is not a group of ` +
			"elvis", "allowed gids: 10001, 71234"}},
	}
	for _, tc := range cases {
		lc := map[string]any{"imageUuid": "docker:nginx:1.25", "capDrop": []any{"ALL"},
			"user": "10001", tc.key: tc.value}
		var got []Finding
		for _, f := range CheckService(Config{Caller: caller}, "demo", "web", lc, nil) {
			if f.Rule == ruleUserNotAllowed {
				got = append(got, f)
			}
		}
		if !tc.refused {
			if len(got) > 0 {
				t.Errorf("%s %v refused: %+v", tc.key, tc.value, got)
			}
			continue
		}
		if len(got) != 1 || got[0].Level != Reject {
			t.Errorf("%s %v: findings %+v, want one refusal", tc.key, tc.value, got)
			continue
		}
		msg := got[0].Message
		want := append([]string{"you cannot run a stack with your user: elvis (service " +
			`"web": `}, tc.want...)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s %v: message %q lacks %q", tc.key, tc.value, msg, w)
			}
		}
	}
	// No users configured: names are left to the image.
	for _, user := range []string{"nobody", "10001:root"} {
		lc := map[string]any{"imageUuid": "docker:nginx:1.25", "capDrop": []any{"ALL"},
			"user": user, "groupAdd": []any{"www-data"}}
		for _, f := range CheckService(Config{}, "demo", "web", lc, nil) {
			if f.Rule == ruleUserNotAllowed {
				t.Errorf("user %q without a caller: %+v", user, f)
			}
		}
	}
}

// A group_add name other than root cannot be checked: group-add-name warns by default
// (Spin documents group_add with an image group) and refuses when the site says so.
func TestAuditGroupAddNameUnit(t *testing.T) {
	caller := &Caller{Name: "elvis", UID: 10001, GIDs: []int{10001, 71234}}
	lc := map[string]any{"imageUuid": "docker:nginx:1.25", "capDrop": []any{"ALL"},
		"user": "10001:10001", "groupAdd": []any{"nginx", "71234"}}
	for _, level := range []Level{Warn, Reject} {
		cfg := Config{Caller: caller}
		if level == Reject {
			levels, err := ParseLevels(map[string]string{ruleGroupAddName: "reject"})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Levels = levels
		}
		fs := CheckService(cfg, "demo", "web", lc, nil)
		got := ofRule(fs, ruleGroupAddName)
		want := `service "web": group_add: "nginx" is a group name, which resolves only ` +
			"inside the image, so it cannot be checked against elvis's groups; use the " +
			"numeric gid; allowed gids: 10001, 71234"
		if len(got) != 1 || got[0].Level != level || got[0].Message != want ||
			Rejected(fs) != (level == Reject) {
			t.Errorf("level %s: findings %+v", level, fs)
		}
	}
}

// group_add is held to the caller's groups whatever user: says, root or unset included.
func TestAuditGroupAddCheckedForEveryUser(t *testing.T) {
	caller := &Caller{Name: "elvis", UID: 10001, GIDs: []int{10001}}
	for _, user := range []string{"", "0", "10001"} {
		lc := map[string]any{"imageUuid": "docker:nginx:1.25", "capDrop": []any{"ALL"},
			"user": user, "groupAdd": []any{"10002"}}
		refused := false
		for _, f := range CheckService(Config{Caller: caller}, "demo", "web", lc, nil) {
			refused = refused || f.Rule == ruleUserNotAllowed && f.Key == "group_add"
		}
		if !refused {
			t.Errorf("user %q: group_add 10002 passed", user)
		}
	}
}
