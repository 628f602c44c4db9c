package dockerproxy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWithEnvAddsTheTagLast(t *testing.T) {
	tag := []string{"SPINLOCAL_EXEC=feed", "SPINLOCAL_EXEC_RUN=beef"}
	cases := []struct {
		name, raw string
		env       []string // what Docker then decodes; nil: the config is left alone
	}{
		{"no-env", `{"Cmd":["sleep","5"],"AttachStdout":true}`, tag},
		{"empty", "{}\n", tag},
		{"env", `{"Env":["A=1"],"Cmd":["sh"]}`, append([]string{"A=1"}, tag...)},
		{"lower-case", `{"env":["A=1"], "ENV" : ["B=2"] } `, append([]string{"B=2"},
			tag...)},
		{"order", `{"privileged":true,"Privileged":false,"Env":[]}`, tag},
		{"null-env", `{"Env":null}`, tag},
		{"env-not-list", `{"Env":"A=1"}`, nil},
		{"null", `null`, nil},
		{"list", `[1]`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := withEnv([]byte(tc.raw), tag)
			if ok != (tc.env != nil) {
				t.Fatalf("withEnv(%s): %s %v", tc.raw, out, ok)
			}
			if !ok {
				if string(out) != tc.raw {
					t.Fatalf("changed a config it cannot tag: %s", out)
				}
				return
			}
			var before, after map[string]json.RawMessage
			_ = json.Unmarshal([]byte(tc.raw), &before)
			var cfg, was struct {
				Env        []string
				Privileged bool
			}
			if err := json.Unmarshal(out, &after); err != nil {
				t.Fatalf("not JSON: %s: %v", out, err)
			}
			if err := json.Unmarshal(out, &cfg); err != nil ||
				!slices.Equal(cfg.Env, tc.env) {
				t.Fatalf("Docker reads Env %q from %s (%v), want %q", cfg.Env, out, err, tc.env)
			}
			_ = json.Unmarshal([]byte(tc.raw), &was)
			if was.Privileged != cfg.Privileged {
				t.Fatalf("Privileged was %v, is %v: %s", was.Privileged, cfg.Privileged, out)
			}
			if strings.Count(strings.ToLower(string(out)), `"env"`) != 1 {
				t.Fatalf("Env more than once: %s", out)
			}
			for k, v := range before {
				if !strings.EqualFold(k, "env") && string(after[k]) != string(v) {
					t.Fatalf("%s changed: %s", k, out)
				}
			}
		})
	}
}

func TestWantsTag(t *testing.T) {
	cases := map[string]bool{
		`{"AttachStdout":true,"AttachStderr":true,"Cmd":["id"]}`: true,
		`{"attachstdin":true}`:                true,
		`{"Detach":true,"AttachStdout":true}`: false,
		`{"Cmd":["sleep","9"]}`:               false,
		`nonsense`:                            false,
	}
	for raw, want := range cases {
		if got := wantsTag([]byte(raw)); got != want {
			t.Errorf("wantsTag(%s) = %v", raw, got)
		}
	}
}

func TestTagRegistryTakesOnce(t *testing.T) {
	r := &tagRegistry{m: map[string]execTag{}}
	r.add("old", execTag{marker: "SPINLOCAL_EXEC=1", made: time.Now().Add(-2 * tagKeep)})
	r.add("new", execTag{marker: "SPINLOCAL_EXEC=2", made: time.Now()})
	if _, ok := r.take("old"); ok {
		t.Fatal("a tag older than tagKeep was kept")
	}
	if tag, ok := r.take("new"); !ok || tag.marker != "SPINLOCAL_EXEC=2" {
		t.Fatalf("take: %+v %v", tag, ok)
	}
	if _, ok := r.take("new"); ok {
		t.Fatal("a tag was taken twice")
	}
}

func TestExecInfoEnded(t *testing.T) {
	code := func(n int) *int { return &n }
	cases := []struct {
		info execInfo
		want bool
	}{
		{execInfo{}, false},                             // made, not started
		{execInfo{Running: true, Pid: 7}, false},        // running
		{execInfo{Pid: 7, ExitCode: code(0)}, true},     // ended
		{execInfo{ExitCode: code(127)}, true},           // failed to start
		{execInfo{Running: true, ExitCode: nil}, false}, // starting
	}
	for _, tc := range cases {
		if got := tc.info.ended(); got != tc.want {
			t.Errorf("%+v ended: %v", tc.info, got)
		}
	}
}
