package audit

import (
	"fmt"
	"strings"
)

// Launch configs reach the audit from compose.Load (Go types such as
// []string) and from API request bodies (JSON types such as []any and
// float64). These readers accept both.

func str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprintf("%g", v)
	default:
		return fmt.Sprint(v)
	}
}

func strList(m map[string]any, key string) []string {
	switch v := m[key].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		// The API also takes a single value where a list is expected.
		if v != "" {
			return []string{v}
		}
	}
	return nil
}

func boolean(m map[string]any, key string) bool {
	switch v := m[key].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

func labelsOf(m map[string]any) map[string]string {
	out := map[string]string{}
	switch v := m["labels"].(type) {
	case map[string]string:
		for k, s := range v {
			out[k] = s
		}
	case map[string]any:
		for k, s := range v {
			out[k] = fmt.Sprint(s)
		}
	}
	return out
}

func mapList(m map[string]any, key string) []map[string]any {
	switch v := m[key].(type) {
	case []map[string]any:
		return v
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, item := range v {
			if mm, ok := item.(map[string]any); ok {
				out = append(out, mm)
			}
		}
		return out
	}
	return nil
}

// joinQuoted renders ["a","b"] as `"a", "b"`.
func joinQuoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
