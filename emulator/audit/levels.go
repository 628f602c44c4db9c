package audit

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Levels maps rule ids to the level a config gives them.
type Levels map[string]Level

// Errors of ParseLevels, for errors.Is.
var (
	ErrUnknownRule  = errors.New("unknown audit rule")
	ErrUnknownLevel = errors.New("unknown audit level")
)

// ParseLevels reads a config's rule levels, e.g. {"service-name": "reject"}.
// Ids and levels are case-insensitive; an unknown one is an error that lists
// the valid choices.
func ParseLevels(in map[string]string) (Levels, error) {
	out := Levels{}
	for _, id := range slices.Sorted(maps.Keys(in)) {
		rule := strings.ToLower(strings.TrimSpace(id))
		if _, ok := defaultLevel(rule); !ok {
			return nil, fmt.Errorf("%w %q: known rules are %s", ErrUnknownRule, id,
				strings.Join(ruleIDs(), ", "))
		}
		level := Level(strings.ToLower(strings.TrimSpace(in[id])))
		switch level {
		case Reject, Warn, Off:
		default:
			return nil, fmt.Errorf("rule %q: %w %q: use reject, warn or off",
				rule, ErrUnknownLevel, in[id])
		}
		out[rule] = level
	}
	return out, nil
}

func ruleIDs() []string {
	ids := make([]string, 0, len(ruleTable))
	for _, r := range ruleTable {
		ids = append(ids, r.ID)
	}
	return ids
}
