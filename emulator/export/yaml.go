package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// section is one top-level key of a compose file, after the version.
type section struct {
	key   string
	value any
}

// encode writes a compose file: version '2' first, then the sections in order. Mappings
// below the top level come out with their keys sorted.
func encode(sections []section) (string, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	root.Content = append(root.Content, scalar("version"),
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "2",
			Style: yaml.SingleQuotedStyle})
	for _, s := range sections {
		value, err := node(plain(s.value))
		if err != nil {
			return "", fmt.Errorf("encode %s: %w", s.key, err)
		}
		root.Content = append(root.Content, scalar(s.key), value)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	if err := enc.Encode(doc); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return buf.String(), nil
}

// node builds the YAML node of a value made by plain: mappings with sorted keys, and
// strings holding a newline double-quoted (the encoder's block style cannot express some of
// them, such as a `sh -c` script that starts with a newline).
func node(v any) (*yaml.Node, error) {
	switch t := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			key, err := node(k)
			if err != nil {
				return nil, err
			}
			child, err := node(t[k])
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, key, child)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range t {
			child, err := node(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, child)
		}
		return n, nil
	case string:
		if strings.Contains(t, "\n") {
			n := scalar(t)
			n.Style = yaml.DoubleQuotedStyle
			return n, nil
		}
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return n, nil
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// plain copies v into values YAML writes the way the CLI reads them back: whole numbers
// as integers (JSON decoding leaves float64), string lists and maps as generic ones, and
// every string with "$" doubled, since both files are interpolated when loaded.
func plain(v any) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, "$", "$$")
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = plain(s)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plain(e)
		}
		return out
	case map[string]any, map[string]string:
		m := mapping(t)
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = plain(e)
		}
		return out
	case bool, nil:
		return t
	}
	if n, ok := integer(v); ok {
		return n
	}
	if n, ok := v.(json.Number); ok {
		if f, err := n.Float64(); err == nil {
			return f
		}
	}
	return v
}
