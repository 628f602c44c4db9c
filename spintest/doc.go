// Package spintest deploys a Spin stack for a Go test and removes it afterwards.
//
// Up starts a spinlocal daemon inside the test binary that shares no state with any other
// daemon on the machine (a temporary state directory, a free loopback port, its own
// daemon id and Docker network prefix), deploys a compose project through the daemon's
// Cattle API as `spinlocal up` does, waits until every service is active and healthy, and
// hands back the stack's published endpoints:
//
//	func TestPage(t *testing.T) {
//		s := spintest.Up(t, spintest.Options{Files: []string{"docker-compose.yml"}})
//		resp, err := http.Get(s.URL("web") + "/")
//		...
//	}
//
// Published host ports are the compose file's own, as on Spin, and one machine has each
// port once: tests that deploy files publishing the same host port must not run at the
// same time (no t.Parallel between them), and nothing else may hold those ports. A
// second deploy of a taken port ends its test with Docker's refusal naming the holder.
//
// Everything the stack made (containers, networks, volumes, secret files) is removed by
// t.Cleanup. Without a Docker engine, or with go test -short, the test is skipped, unless
// SPINLOCAL_REQUIRE_DOCKER=1, which makes it fail instead (for CI).
package spintest
