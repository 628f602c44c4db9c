package compose

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// sidekickLabel lists the services that run beside a primary in each of
// its deployment units (cattle-semantics.md 4.4).
const sidekickLabel = "io.rancher.sidekicks"

// sidekicksOf reads the label: a comma list, spaces allowed.
func sidekicksOf(s *types.ServiceConfig) []string {
	var names []string
	for _, n := range strings.Split(s.Labels[sidekickLabel], ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// foldSidekicks maps every sidekick to its primary, rejecting what the CLI
// rejects: unknown names, a sidekick claimed twice, and nesting.
func foldSidekicks(services types.Services, files []*composeFile) (map[string]string, error) {
	primaryOf := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(services)) {
		s := services[name]
		key := "services." + name + ".labels." + sidekickLabel
		fail := func(msg string) error {
			return docWith(files, key).errAt(key, msg, nil)
		}
		for _, sk := range sidekicksOf(&s) {
			other, defined := services[sk]
			switch {
			case sk == name:
				return nil, fail("a service cannot be its own sidekick")
			case !defined:
				return nil, fail(fmt.Sprintf("names sidekick %q, which no compose file "+
					"defines; define it or remove it from the label", sk))
			case primaryOf[sk] != "":
				return nil, fail(fmt.Sprintf("sidekick %q is already claimed by service %q; "+
					"a sidekick belongs to exactly one primary", sk, primaryOf[sk]))
			case len(sidekicksOf(&other)) > 0:
				return nil, fail(fmt.Sprintf("sidekick %q has sidekicks of its own; only a "+
					"primary service may list sidekicks", sk))
			}
			primaryOf[sk] = name
		}
	}
	return primaryOf, nil
}

// docWith returns the compose file that writes the deepest part of key,
// preferring later files (they override earlier ones), or the first file.
func docWith(files []*composeFile, key string) *yamlDoc {
	for k := key; k != ""; k = parentPath(k) {
		for i := len(files) - 1; i >= 0; i-- {
			if files[i].has(k) {
				return files[i].yamlDoc
			}
		}
	}
	return files[0].yamlDoc
}
