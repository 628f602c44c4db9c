package compose

import (
	"fmt"
	"strconv"
	"strings"
)

// deepCopy copies plain YAML data.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[k] = deepCopy(val)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, val := range t {
			l[i] = deepCopy(val)
		}
		return l
	}
	return v
}

// scalarString renders a YAML scalar as the CLI would read it into a
// string field; ok is false for lists, mappings and null.
func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case int:
		return strconv.Itoa(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// asBool reads a boolean written as true/false or as a string after
// interpolation.
func asBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		if err != nil {
			return false, fmt.Errorf("must be true or false, not %q", t)
		}
		return b, nil
	}
	return false, fmt.Errorf("must be true or false, not %s", kindOf(v))
}

// asInt reads an integer written as a number or as a string of digits.
func asInt(v any) (int, error) {
	switch t := v.(type) {
	case int:
		return t, nil
	case float64:
		if t == float64(int(t)) {
			return int(t), nil
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err == nil {
			return n, nil
		}
		return 0, fmt.Errorf("must be a whole number, not %q", t)
	}
	return 0, fmt.Errorf("must be a whole number, not %s", kindOf(v))
}

// stringList reads a list of scalars (or one scalar) as strings.
func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := scalarString(v); ok {
		return []string{s}, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("must be a list of strings, not %s", kindOf(v))
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := scalarString(item)
		if !ok {
			return nil, fmt.Errorf("must be a list of strings, but an item is %s", kindOf(item))
		}
		out = append(out, s)
	}
	return out, nil
}
