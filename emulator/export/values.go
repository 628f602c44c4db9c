package export

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// integer reads a whole number stored as any of the types a decoded document may hold.
func integer(v any) (int64, bool) {
	switch t := v.(type) {
	case int:
		return int64(t), true
	case int32:
		return int64(t), true
	case int64:
		return t, true
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t), true
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), true
		}
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	}
	return 0, false
}

// text reads a scalar as a string: strings as they are, numbers and booleans printed.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	if n, ok := integer(v); ok {
		return fmt.Sprint(n)
	}
	return fmt.Sprint(v)
}

// empty reports a value that says nothing: null, "", false, zero, or an empty list or
// mapping. Such launch-config values are left out of the export, as the transform leaves
// them out of launch configs.
func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case bool:
		return !t
	case []any:
		return len(t) == 0
	case []string:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	case map[string]string:
		return len(t) == 0
	}
	if n, ok := integer(v); ok {
		return n == 0
	}
	return false
}

// stringList reads a list of scalars (or a single scalar) as strings.
func stringList(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, text(e))
		}
		return out
	}
	return []string{text(v)}
}

// mapping reads a JSON object; anything else gives nil.
func mapping(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[k] = val
		}
		return m
	}
	return nil
}

// snakeCase turns an API key such as unhealthyThreshold into the compose spelling
// unhealthy_threshold.
func snakeCase(k string) string {
	var b strings.Builder
	for i, r := range k {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// snakeKeys copies v with every mapping key in snake_case.
func snakeKeys(v any) any {
	if m := mapping(v); m != nil {
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[snakeCase(k)] = snakeKeys(val)
		}
		return out
	}
	if l, ok := v.([]any); ok {
		out := make([]any, len(l))
		for i, val := range l {
			out[i] = snakeKeys(val)
		}
		return out
	}
	return v
}
