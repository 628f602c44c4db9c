package fakeapi

// Helpers that read typed values out of decoded request bodies.

func str(b map[string]any, k string) string {
	s, _ := b[k].(string)
	return s
}

func optString(b map[string]any, k string) *string {
	s, ok := b[k].(string)
	if !ok {
		return nil
	}
	return &s
}

func boolean(b map[string]any, k string) bool {
	v, _ := b[k].(bool)
	return v
}

func optInt(b map[string]any, k string) *int {
	switch v := b[k].(type) {
	case int64:
		n := int(v)
		return &n
	case float64:
		n := int(v)
		return &n
	}
	return nil
}

// freeForm are keys whose values are user maps, kept verbatim whatever their keys.
var freeForm = map[string]bool{"labels": true, "environment": true, "metadata": true,
	"sysctls": true, "tmpfs": true, "config": true, "driverOpts": true}

// clean drops the "links" and "actions" keys every typed body of the CLI carries from an
// embedded object, recursively, leaving user maps (labels, environment, ...) untouched.
func clean(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if k == "links" || k == "actions" {
				continue
			}
			if freeForm[k] {
				out[k] = e
				continue
			}
			out[k] = clean(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = clean(e)
		}
		return out
	}
	return v
}

func cleanMap(b map[string]any, k string) map[string]any {
	m, ok := b[k].(map[string]any)
	if !ok {
		return nil
	}
	return clean(m).(map[string]any)
}

func cleanMaps(b map[string]any, k string) []map[string]any {
	raw, ok := b[k].([]any)
	if !ok {
		return nil
	}
	var out []map[string]any
	for _, e := range raw {
		if m, ok := e.(map[string]any); ok {
			out = append(out, clean(m).(map[string]any))
		}
	}
	return out
}

// rawMap returns an object field as sent, for user maps such as metadata.
func rawMap(b map[string]any, k string) map[string]any {
	m, _ := b[k].(map[string]any)
	return m
}
