package audit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// BenchmarkAuditLargest audits the corpus's largest file,
// onpremise__1/docker-compose.rancher.yml, merged over docker-compose.yml
// as its deploy script does (nine services). "check" is CheckProject on
// the loaded project, the daemon's share; "load-and-check" adds
// compose.Load, as `spinlocal audit` runs it.
func BenchmarkAuditLargest(b *testing.B) {
	if _, err := os.Stat(filepath.Join(corpusDir, "onpremise__1")); err != nil {
		b.Skipf("compose corpus not available: %v", err)
	}
	var c corpusCase
	for _, cc := range corpusCases {
		if cc.name == "onpremise-deploy-generated-env" {
			c = cc
		}
	}
	opts := corpusOptions(b, c)
	p, err := compose.Load(b.Context(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			CheckProject(Config{}, p)
		}
	})
	b.Run("load-and-check", func(b *testing.B) {
		for b.Loop() {
			p, err := compose.Load(b.Context(), opts)
			if err != nil {
				b.Fatal(err)
			}
			CheckProject(Config{}, p)
		}
	})
}
