package fakeapi_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// A port range (HOST-HOST:CTR-CTR) publishes each port of it: both answer on loopback and
// the service lists both in publicEndpoints.
func TestPortRangePublishesEachPort(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	lo := apitest.FreePort(t)
	for !portFree(lo + 1) {
		lo = apitest.FreePort(t)
	}
	lc := sleeper()
	lc["command"] = []string{"sh", "-c", "mkdir -p /a /b && echo a > /a/index.html && " +
		"echo b > /b/index.html && httpd -p 8080 -h /a && httpd -p 8081 -h /b && " +
		"trap 'exit 0' TERM; while true; do sleep 1; done"}
	lc["ports"] = []string{fmt.Sprintf("%d-%d:8080-8081/tcp", lo, lo+1)}
	svc := createService(t, c, createStack(t, c, "ranges"), "web", lc, 1)
	svc, err := c.Action(t.Context(), svc, "activate", nil)
	if err != nil {
		t.Fatal(err)
	}
	svc = settle(t, c, svc, "active")
	apitest.Eventually(t, 30*time.Second, func() string {
		svc = reload(t, c, svc)
		eps, _ := svc["publicEndpoints"].([]any)
		if len(eps) != 2 {
			return fmt.Sprintf("publicEndpoints %v, want two", eps)
		}
		for i, want := range []string{"a", "b"} {
			if got := getBody(fmt.Sprintf("http://127.0.0.1:%d/", lo+i)); got != want {
				return fmt.Sprintf("port %d answered %q, want %q", lo+i, got, want)
			}
		}
		return ""
	})
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// getBody returns the body of a GET without its trailing newline, or the error.
func getBody(url string) string {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}
