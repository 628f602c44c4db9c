package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAddAndRemoveKeepTheRestOfTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if got, err := ReadFile(path); err != nil || got != nil {
		t.Fatalf("a missing file: %v %v", got, err)
	}
	a := Entry{Hostname: "a.localhost", Service: "web", Port: 8080}
	b := Entry{Hostname: "b.example.org", Stack: "other", Service: "api", Port: 8443,
		TLS: "passthrough"}
	for _, e := range []Entry{a, b} {
		if old, err := AddEntry(path, e); err != nil || old != nil {
			t.Fatalf("add %s: replaced %v, %v", e.Hostname, old, err)
		}
	}
	got, err := ReadFile(path)
	if err != nil || len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("read back %+v, %v", got, err)
	}
	// Comments the user wrote survive an edit, also those of an entry that is replaced;
	// a name already there is replaced.
	raw, _ := os.ReadFile(path)
	edited := strings.Replace(string(raw), "proxy:", "# my own note\nproxy:", 1)
	edited = strings.Replace(edited, "  - hostname: a.localhost",
		"  # the main site\n  - hostname: a.localhost", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	moved := a
	moved.Port = 9090
	old, err := AddEntry(path, moved)
	if err != nil || old == nil || old.Port != 8080 {
		t.Fatalf("replace: old %+v, %v", old, err)
	}
	if found, err := RemoveEntry(path, "B.example.org"); err != nil || !found {
		t.Fatalf("remove: %v %v", found, err)
	}
	raw, _ = os.ReadFile(path)
	if !strings.Contains(string(raw), "# my own note") ||
		!strings.Contains(string(raw), "# the main site") {
		t.Fatalf("the user's comments are gone:\n%s", raw)
	}
	got, err = ReadFile(path)
	if err != nil || len(got) != 1 || got[0] != moved {
		t.Fatalf("after the edits %+v, %v", got, err)
	}
	if found, err := RemoveEntry(path, "nothing.localhost"); err != nil || found {
		t.Fatalf("remove of an unknown name: %v %v", found, err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".spin-proxy-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// Names are kept in lower case without a trailing dot, and a quoted port is a port, as in
// compose files.
func TestFileNormalises(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	text := "proxy:\n  - {hostname: App.Localhost., service: web, port: \"8080\"}\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || len(got) != 1 || got[0].Hostname != "app.localhost" || got[0].Port != 8080 {
		t.Fatalf("read %+v, %v", got, err)
	}
}

func TestBadFilesSayWhatIsWrong(t *testing.T) {
	cases := map[string]string{
		"proxy: [": "did not find expected node",
		"proxy:\n  - hostname: a.localhost\n    servce: x\n": "field servce not found " +
			"in a proxy entry",
		"proxy:\n  - {hostname: a.localhost, service: web, port: eighty}\n": "port " +
			"\"eighty\" is not a number",
		"proxy:\n  - hostname: a.localhost\n    port: 80\n": "needs a stack and a service",
		"proxy:\n  - hostname: bad_name.localhost\n    service: web\n    port: 80\n": "'_' " +
			"is not allowed",
		"proxy:\n  - hostname: a.localhost\n    service: web\n    port: 70000\n": "line 2: " +
			"entry 1: port 70000",
		"proxy:\n  - {hostname: a.localhost, service: web, port: [1]}\n": "line 2: port " +
			"must be one number",
		"proxy:\n  - {hostname: a.localhost, service: web, port: 80}\n" +
			"  - {hostname: web.app.dev-cattle.localhost, service: web, port: 80}\n": "line 3: " +
			"entry 2: host name web.app.dev-cattle.localhost has the form of Spin's public",
		"proxy:\n  - {hostname: x.stable.spin.nersc.org, service: web, port: 80}\n": "public " +
			"names",
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

// After the list was emptied, an added entry is written as a block list again, and a
// symbolic link to the file stays a link, its target keeping its mode.
func TestAddAfterEmptyAndThroughALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yml")
	if err := os.WriteFile(target, []byte("proxy: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, FileName)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := AddEntry(link, Entry{Hostname: "a.localhost", Service: "web",
		Port: 80}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(target)
	if !strings.Contains(string(raw), "\n  - hostname: a.localhost") {
		t.Fatalf("not a block list:\n%s", raw)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if info, err := os.Stat(target); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the target's mode changed: %v %v", info.Mode(), err)
	}
}
