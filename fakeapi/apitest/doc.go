// Package apitest starts isolated spinlocal daemons for tests: a fresh state directory, an
// emulator on the real Docker engine under its own daemon id and network prefix, and the
// Cattle API on a loopback test server. Everything it made is removed by t.Cleanup.
package apitest
