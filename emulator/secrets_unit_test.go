package emulator

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustSecret(t *testing.T, e *Emulator, user, name, value string) Secret {
	t.Helper()
	s, err := e.CreateSecret(Caller{User: user}, testPID, name, b64(value), "owner:"+user)
	if err != nil {
		t.Fatalf("CreateSecret(%s): %v", name, err)
	}
	return s
}

// wantAPIError checks status, code and that the message holds every fragment.
func wantAPIError(t *testing.T, what string, err error, status int, code string,
	fragments ...string) *APIError {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != status || ae.Code != code {
		t.Fatalf("%s: err %v, want %d %s", what, err, status, code)
	}
	for _, f := range fragments {
		if !strings.Contains(ae.Message, f) {
			t.Errorf("%s: message %q lacks %q", what, ae.Message, f)
		}
	}
	return ae
}

func TestSecretCreateReplyAndStateUnit(t *testing.T) {
	e, _ := newEmu(t)
	s := mustSecret(t, e, "alice", "db.demo.password", "hunter2")
	if !hasPrefix(s.ID, prefixSecret) || s.Type != KindSecret || s.Name != "db.demo.password" ||
		s.Description != "owner:alice" || s.AccountID != testPID || s.Owner != "alice" {
		t.Fatalf("reply: %+v", s)
	}
	if s.State != "creating" || s.Transitioning != "yes" || s.Sealed != nil {
		t.Fatalf("reply state %s/%s, sealed %d bytes", s.State, s.Transitioning,
			len(s.Sealed))
	}
	got, err := e.Secret(testPID, s.ID)
	if err != nil || got.State != "active" || got.Transitioning != "no" || got.Sealed != nil {
		t.Fatalf("after create: %+v, %v", got, err)
	}
	if v, err := e.SecretValue(s.ID); err != nil || string(v) != "hunter2" {
		t.Fatalf("SecretValue: %q, %v", v, err)
	}
	if _, err := e.Secret("1a1221788", s.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("secret visible from another environment: %v", err)
	}
	if list := e.Secrets(testPID); len(list) != 1 || list[0].Sealed != nil {
		t.Fatalf("Secrets: %+v", list)
	}
}

func TestSecretNameRulesUnit(t *testing.T) {
	e, _ := newEmu(t)
	for _, ok := range []string{"db.demo.password", "a", "9_x-y.Z", "web.st.tls_key",
		strings.Repeat("a", 255)} {
		if _, err := e.CreateSecret(Caller{}, testPID, ok, b64("v"), ""); err != nil {
			t.Errorf("name %q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{".hidden", "_x", "-x", "a/b", "a..b", "a b", "a:b", "é",
		"x*", strings.Repeat("a", 256)} {
		_, err := e.CreateSecret(Caller{}, testPID, bad, b64("v"), "")
		ae := wantAPIError(t, "name "+bad, err, 422, "InvalidCharacters", "secret name",
			"letters, digits, '_', '.' and '-'")
		if ae.FieldName != "name" || !strings.Contains(ae.Message, bad[:1]) {
			t.Errorf("name %q: %+v", bad, ae)
		}
	}
	_, err := e.CreateSecret(Caller{}, testPID, "", b64("v"), "")
	wantAPIError(t, "empty name", err, 422, "MissingRequired")
}

func TestSecretValueRulesUnit(t *testing.T) {
	e, _ := newEmu(t)
	_, err := e.CreateSecret(Caller{}, testPID, "x", "", "")
	ae := wantAPIError(t, "empty value", err, 422, "EmptySecret")
	if ae.FieldName != "value" || ae.Message != "Secret cannot be empty" {
		t.Errorf("empty value: %+v", ae)
	}
	for _, bad := range []string{"not base64!", "abc", "aGVsbG8=\x00", "%%%%"} {
		_, err = e.CreateSecret(Caller{}, testPID, "x", bad, "")
		ae = wantAPIError(t, "value "+bad, err, 422, "InvalidBase64")
		if ae.FieldName != "value" || ae.Message != "Invalid base64 content" {
			t.Errorf("value %q: %+v", bad, ae)
		}
	}
	if len(e.Secrets(testPID)) != 0 {
		t.Fatal("a refused secret was stored")
	}
	// Binary content survives unchanged.
	raw := []byte{0, 1, 2, 0xff, '\n'}
	s, err := e.CreateSecret(Caller{}, testPID, "bin", base64.StdEncoding.EncodeToString(raw),
		"")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := e.SecretValue(s.ID); err != nil || !bytes.Equal(v, raw) {
		t.Fatalf("binary value: %v, %v", v, err)
	}
}

func TestSecretNamesUniquePerEnvironmentUnit(t *testing.T) {
	e, _ := newEmu(t)
	first := mustSecret(t, e, "alice", "db.demo.password", "one")
	_, err := e.CreateSecret(Caller{User: "bob"}, testPID, "db.demo.password", b64("two"), "")
	ae := wantAPIError(t, "duplicate", err, 422, "NotUnique", "db.demo.password")
	if ae.FieldName != "name" {
		t.Errorf("duplicate: %+v", ae)
	}
	if _, err := e.CreateSecret(Caller{}, "1a1221788", "db.demo.password", b64("x"),
		""); err != nil {
		t.Errorf("same name in another environment: %v", err)
	}
	if _, err := e.RemoveSecret(Caller{User: "alice"}, testPID, first.ID); err != nil {
		t.Fatal(err)
	}
	again := mustSecret(t, e, "bob", "db.demo.password", "two")
	if again.ID == first.ID {
		t.Fatalf("id %s reused", again.ID)
	}
	if v, _ := e.SecretValue(again.ID); string(v) != "two" {
		t.Fatalf("recreated value %q", v)
	}
}

func TestSecretOwnershipUnit(t *testing.T) {
	e, _ := newEmu(t)
	s := mustSecret(t, e, "alice", "db.demo.password", "v")
	_, err := e.RemoveSecret(Caller{User: "bob"}, testPID, s.ID)
	ae := wantAPIError(t, "bob removes", err, 401, "Unauthorized")
	if !ae.Spin || ae.Message != "you don't own secret db.demo.password" {
		t.Fatalf("refusal: %+v", ae)
	}
	if got, _ := e.Secret(testPID, s.ID); got.State != "active" {
		t.Fatalf("refused removal changed the secret: %+v", got)
	}
	if _, err := e.RemoveSecret(Caller{User: "alice"}, "1a1221788", s.ID); !errors.Is(err,
		ErrNotFound) {
		t.Fatalf("removal through another environment: %v", err)
	}
	got, err := e.RemoveSecret(Caller{User: "alice"}, testPID, s.ID)
	if err != nil || got.State != "removed" || got.Removed == nil || got.Sealed != nil {
		t.Fatalf("owner removes: %+v, %v", got, err)
	}
	if _, err := e.SecretValue(s.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("value of a removed secret: %v", err)
	}
	if again, err := e.RemoveSecret(Caller{User: "alice"}, testPID, s.ID); err != nil ||
		again.State != "removed" {
		t.Fatalf("second removal: %+v, %v", again, err)
	}
}

func TestSecretInUseCannotBeRemovedUnit(t *testing.T) {
	e, _ := newEmu(t)
	st := mustStack(t, e, "demo")
	primary := mustSecret(t, e, "", "db.demo.password", "v")
	side := mustSecret(t, e, "", "demo.tls", "v")
	ref := func(id string) []any {
		return []any{map[string]any{"secretId": id, "name": "pw", "mode": "400"}}
	}
	alice := Caller{User: "alice"}
	svc, err := e.CreateService(alice, testPID, ServiceInput{Name: "db", StackID: st.ID,
		LaunchConfig: map[string]any{"imageUuid": "docker:mysql:8", "capDrop": []any{"ALL"},
			"secrets": ref(primary.ID)},
		Secondary: []map[string]any{{"name": "proxy", "imageUuid": "docker:nginx:1.25",
			"capDrop": []any{"ALL"}, "secrets": ref(side.ID)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Secret{primary, side} {
		_, err := e.RemoveSecret(Caller{}, testPID, s.ID)
		wantAPIError(t, "remove "+s.Name, err, 422, "InvalidState", "secret "+s.Name,
			"demo/db", "remove it from the service's secrets first")
	}
	// After a restart the references (now decoded JSON) still count.
	dir := e.cfg.StateDir
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openEmu(t, dir, newFakeEngine())
	if _, err := e.RemoveSecret(Caller{}, testPID, side.ID); err == nil {
		t.Fatal("secret of a sidekick removed after restart")
	}
	if _, err := e.RemoveService(alice, testPID, svc.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []Secret{primary, side} {
		if _, err := e.RemoveSecret(Caller{}, testPID, s.ID); err != nil {
			t.Errorf("remove %s once its service is going: %v", s.Name, err)
		}
	}
}

func TestSecretsSurviveRestartEncryptedUnit(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(Config{StateDir: dir, Engine: newFakeEngine(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	const plain = "correct-horse-battery-staple-4711"
	s := mustSecret(t, e, "alice", "db.demo.password", plain)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{plain, b64(plain), "horse-battery"} {
		if bytes.Contains(raw, []byte(needle)) {
			t.Fatalf("state.db holds %q in the clear", needle)
		}
	}
	if !bytes.Contains(raw, []byte("db.demo.password")) {
		t.Fatal("state.db lacks the secret record: the search above proves nothing")
	}

	e2 := openEmu(t, dir, newFakeEngine())
	got, err := e2.Secret(testPID, s.ID)
	if err != nil || got.Name != "db.demo.password" || got.State != "active" ||
		got.Owner != "alice" {
		t.Fatalf("after restart: %+v, %v", got, err)
	}
	if v, err := e2.SecretValue(s.ID); err != nil || string(v) != plain {
		t.Fatalf("value after restart: %q, %v", v, err)
	}
	// Without its key the state cannot be read back.
	if err := os.Remove(filepath.Join(dir, "secrets.key")); err != nil {
		t.Fatal(err)
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}
	e3 := openEmu(t, dir, newFakeEngine())
	if _, err := e3.SecretValue(s.ID); err == nil {
		t.Fatal("a new key opened a secret sealed under the old one")
	}
}
