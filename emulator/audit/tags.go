package audit

import (
	"slices"
	"strings"
)

// TagsLabel is the service label that carries stack tags in a compose
// project, in the group field's form: "owner:elvis,staff-owner:wilma".
const TagsLabel = "io.spinlocal.stack.tags"

// Stack tags of the Spin guide (spin-rules.md §3): required, and the ones
// whose values must not be empty.
var (
	requiredTags = []string{"owner", "staff-owner"}
	knownTags    = []string{"owner", "staff-owner", "group", "staff-group", "fqdn", "requires"}
	singleTags   = []string{"owner", "staff-owner"}
)

// CheckStack audits a stack's name and its tags, the comma-separated
// contents of Rancher's group field.
func CheckStack(cfg Config, name string, tags string) []Finding {
	c := &checker{cfg: cfg}
	c.checkStackName(name)
	c.checkStackTags(name, tags)
	return c.out
}

func (c *checker) checkStackTags(stack, tags string) {
	t := target{stack: stack}
	values := map[string][]string{}
	for _, entry := range strings.Split(tags, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(entry), ":")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || !slices.Contains(knownTags, k) {
			continue // Rancher tags are free text; only the guide's keys matter
		}
		if v == "" {
			c.add(ruleStackTags, t, "tags", "%q has no value; allowed: %s:<NERSC username "+
				"or value>", k+":", k)
			continue
		}
		if !slices.Contains(values[k], v) {
			values[k] = append(values[k], v)
		}
	}
	var missing []string
	for _, k := range requiredTags {
		if len(values[k]) == 0 {
			missing = append(missing, k+":")
		}
	}
	if len(missing) > 0 {
		c.add(ruleStackTags, t, "tags", "%s missing; required: owner:<NERSC username> and "+
			"staff-owner:<NERSC staff username> (recommended: group:, staff-group:, fqdn:), "+
			"in the stack's group field or the %s label", strings.Join(missing, " and ")+
			plural(missing, " is", " are"), TagsLabel)
	}
	for _, k := range singleTags {
		if len(values[k]) > 1 {
			c.add(ruleStackTags, t, "tags", "%s: is given %d times (%s); allowed: one value",
				k, len(values[k]), joinQuoted(values[k]))
		}
	}
}
