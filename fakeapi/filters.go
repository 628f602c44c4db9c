package fakeapi

import (
	"fmt"
	"net/url"
	"strings"
)

// ignoredParams are query parameters that are not field filters.
var ignoredParams = map[string]bool{"limit": true, "sort": true, "order": true,
	"marker": true, "all": true, "include": true, "eventNames": true, "rancherVersion": true,
	"_removed": true, "token": true, "action": true}

// filter keeps the resources that match the query the way Cattle's list filters do:
// field=value (repeatable, any of), field_ne (none of), field_null, field_notnull.
// Removed resources are hidden unless all=true. Unknown fields are ignored.
func filter(items []map[string]any, q url.Values) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	showRemoved := q.Get("all") == "true" || q.Has("_removed")
	for _, it := range items {
		if it["removed"] != nil && !showRemoved {
			continue
		}
		if matches(it, q) {
			out = append(out, it)
		}
	}
	return out
}

func matches(it map[string]any, q url.Values) bool {
	for key, values := range q {
		if ignoredParams[key] {
			continue
		}
		switch {
		case strings.HasSuffix(key, "_null"):
			if v, ok := it[strings.TrimSuffix(key, "_null")]; ok && v != nil {
				return false
			}
		case strings.HasSuffix(key, "_notnull"):
			if it[strings.TrimSuffix(key, "_notnull")] == nil {
				return false
			}
		case strings.HasSuffix(key, "_ne"):
			v, ok := it[strings.TrimSuffix(key, "_ne")]
			if ok && anyEqual(v, values) {
				return false
			}
		default:
			v, ok := it[key]
			if !ok {
				continue
			}
			if key == "system" && v == nil {
				v = false
			}
			if !anyEqual(v, values) {
				return false
			}
		}
	}
	return true
}

func anyEqual(v any, values []string) bool {
	s := asString(v)
	for _, want := range values {
		if s == want {
			return true
		}
	}
	return false
}

func asString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

// collection wraps resources in Cattle's collection envelope. It never paginates.
func collection(self, resourceType string, data []map[string]any,
	createTypes map[string]any) map[string]any {
	items := make([]any, 0, len(data))
	for _, d := range data {
		items = append(items, d)
	}
	if createTypes == nil {
		createTypes = map[string]any{}
	}
	return map[string]any{"type": "collection", "resourceType": resourceType,
		"links": map[string]any{"self": self}, "createTypes": createTypes,
		"actions": map[string]any{}, "data": items, "sortLinks": map[string]any{},
		"pagination": map[string]any{"limit": len(items), "partial": false},
		"sort":       nil, "filters": map[string]any{}, "createDefaults": map[string]any{}}
}
