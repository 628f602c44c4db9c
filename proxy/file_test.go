package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if got, err := ReadFile(path); err != nil || got != nil {
		t.Fatalf("a missing file: %v %v", got, err)
	}
	want := []Entry{{Hostname: "a.localhost", Service: "web", Port: 8080},
		{Hostname: "b.example.org", Stack: "other", Service: "api", Port: 8443,
			TLS: "passthrough"}}
	if err := WriteFile(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("read back %+v, want %+v", got, want)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".spin-proxy-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestBadFilesSayWhatIsWrong(t *testing.T) {
	cases := map[string]string{
		"proxy: [": "did not find expected node",
		"proxy:\n  - hostname: a.localhost\n    servce: x\n": "field servce not found",
		"proxy:\n  - hostname: a.localhost\n    port: 80\n":  "needs a stack and a service",
		"proxy:\n  - hostname: bad_name.localhost\n    service: web\n    port: 80\n": "'_' " +
			"is not allowed",
		"proxy:\n  - hostname: a.localhost\n    service: web\n    port: 70000\n": "1-65535",
		"proxy:\n  - {hostname: a.localhost, service: web, port: 80, tls: yes}\n": "want " +
			"terminate",
		"proxy:\n  - {hostname: a.localhost, service: web, port: 80}\n" +
			"  - {hostname: a.localhost, service: api, port: 81}\n": "entries 1 and 2",
	}
	for text, want := range cases {
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadFile(path)
		if err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), path) {
			t.Errorf("%q: got %v, want an error naming the file and %q", text, err, want)
		}
	}
}

func TestDamagedCAIsNotReplacedSilently(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadCA(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, caKeyFile), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCA(dir)
	if err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Fatalf("damaged CA: %v", err)
	}
	info, err := os.Stat(filepath.Join(dir, caCertFile))
	if err != nil || info.Size() == 0 {
		t.Fatalf("the CA certificate was touched: %v", err)
	}
}
