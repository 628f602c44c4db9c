// Package corpustest is test support for the tests that read the shared compose corpus
// (../shared/corpus/compose beside the clone, never copied into the project).
package corpustest

import (
	"os"
	"testing"
)

// Missing skips a corpus test when the corpus is not beside the clone, except in CI
// (CI=true) or with SPINLOCAL_REQUIRE_CORPUS=1, where it fails: CI lays the corpus there,
// and a skip would hide a broken path.
func Missing(t testing.TB, dir string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" || os.Getenv("SPINLOCAL_REQUIRE_CORPUS") == "1" {
		t.Fatalf("compose corpus not available at %s: %v", dir, err)
	}
	t.Skipf("compose corpus not available at %s: %v (it lives in ../shared beside the "+
		"clone)", dir, err)
}
