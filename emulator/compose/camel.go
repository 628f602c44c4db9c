package compose

import (
	"strconv"
	"strings"
)

// camelCase turns a rancher-compose key such as unhealthy_threshold into
// the API's unhealthyThreshold.
func camelCase(k string) string {
	parts := strings.Split(k, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// camelKeys copies v with every mapping key in camelCase.
func camelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[camelCase(k)] = camelKeys(val)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, val := range t {
			l[i] = camelKeys(val)
		}
		return l
	}
	return v
}

// numbersIn turns digit strings (left by interpolation) into numbers for
// the given keys of m, which the API types as integers.
func numbersIn(m map[string]any, keys ...string) {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				m[k] = n
			}
		}
	}
}
