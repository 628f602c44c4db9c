package apitest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// FreePort returns a loopback TCP port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FlaskDemo copies fixtures/flask-demo to a temporary directory named flask-demo (so the
// stack keeps its name) with web published on port instead of 60000, and returns it.
func FlaskDemo(t testing.TB, port int) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(here), "..", "..", "fixtures", "flask-demo")
	dir := filepath.Join(t.TempDir(), "flask-demo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"docker-compose.yml", "rancher-compose.yml"} {
		raw, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(raw), "60000:8080", fmt.Sprintf("%d:8080", port))
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// IdleCommand runs until stopped and stops at once on SIGTERM (compose flow form).
const IdleCommand = `["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]`

// LinkedPair is a compose file of web linked to db, both idle; format it with the image
// (%[1]s) and web's GREETING (%[2]s).
const LinkedPair = `version: '2'
services:
  web:
    image: %[1]s
    command: ` + IdleCommand + `
    environment:
      GREETING: %[2]s
    links:
      - db
  db:
    image: %[1]s
    command: ` + IdleCommand + `
`
