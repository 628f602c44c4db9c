package compose

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlDoc is one parsed YAML file: its data as plain Go values and the line
// of every key, so errors can point into the file.
type yamlDoc struct {
	shown string // path as the user gave it, for messages
	path  string // absolute path
	data  map[string]any
	lines map[string]int // key path ("services.web.ports[0]") -> line
	root  *yaml.Node
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML decodes content. A syntax error becomes a LoadError with the
// line; text that looks like a Go template gets a hint, because Rancher
// catalog templates are not plain compose files.
func parseYAML(shown, path string, content []byte) (*yamlDoc, error) {
	doc := &yamlDoc{shown: shown, path: path, lines: map[string]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(content, &root); err != nil {
		return nil, doc.syntaxError(err, content)
	}
	if len(root.Content) == 0 {
		return nil, &LoadError{File: shown, Msg: "the file is empty; add a services section"}
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, &LoadError{File: shown, Line: top.Line,
			Msg: "the top level must be a mapping of keys such as version and services"}
	}
	var v any
	if err := top.Decode(&v); err != nil {
		return nil, doc.syntaxError(err, content)
	}
	data, _ := stringKeys(v).(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	doc.data = data
	doc.root = top
	return doc, nil
}

func (d *yamlDoc) syntaxError(err error, content []byte) error {
	le := &LoadError{File: d.shown, Msg: strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		le.Line, _ = strconv.Atoi(m[1])
		le.Msg = m[2]
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		le.Msg = te.Errors[0]
		if m := yamlLineRE.FindStringSubmatch("yaml: " + te.Errors[0]); m != nil {
			le.Line, _ = strconv.Atoi(m[1])
			le.Msg = m[2]
		}
	}
	le.Msg = "not valid YAML: " + le.Msg
	if line := templateLine(content, le.Line); line > 0 {
		le.Line = line
		le.Msg += "; this line holds Go template text ({{ ... }}), which only Rancher " +
			"catalog templates may use: replace it with literal values"
	}
	return le
}

// templateValueRE matches a YAML value that starts with a Go template
// action, the form a YAML parser cannot read.
var templateValueRE = regexp.MustCompile(`(^|:|-)\s+\{\{`)

// templateLine finds the line, at or after the one the parser blamed, whose
// value opens with "{{"; 0 when the file holds no template text.
func templateLine(content []byte, from int) int {
	if !bytes.Contains(content, []byte("{{")) {
		return 0
	}
	lines := strings.Split(string(content), "\n")
	first := 0
	for i, l := range lines {
		if i+1 < from || !strings.Contains(l, "{{") {
			continue
		}
		if first == 0 {
			first = i + 1
		}
		if templateValueRE.MatchString(l) {
			return i + 1
		}
	}
	return first
}

// index records the line of every key below the top node; prefix is put
// in front of every path (v1 files are indexed as if under "services").
func (d *yamlDoc) index(prefix string) {
	indexNode(d.root, prefix, d.lines, 0)
}

func indexNode(n *yaml.Node, path string, lines map[string]int, depth int) {
	if n == nil || depth > 64 {
		return
	}
	if n.Kind == yaml.AliasNode {
		indexNode(n.Alias, path, lines, depth+1)
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || k.Value == "<<" {
				merges = append(merges, v)
				continue
			}
			p := joinPath(path, k.Value)
			lines[p] = k.Line
			indexNode(v, p, lines, depth+1)
		}
		// Keys pulled in by "<<: *anchor" point at the anchor's lines,
		// unless the mapping sets them itself.
		for _, m := range merges {
			tmp := map[string]int{}
			indexNode(m, path, tmp, depth+1)
			for k, l := range tmp {
				if _, ok := lines[k]; !ok {
					lines[k] = l
				}
			}
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = item.Line
			indexNode(item, p, lines, depth+1)
		}
	}
}

// lineOf returns the line of key, or of its nearest indexed ancestor.
func (d *yamlDoc) lineOf(key string) int {
	for key != "" {
		if l, ok := d.lines[key]; ok {
			return l
		}
		key = parentPath(key)
	}
	return 0
}

// inFileOrder sorts the names of keys under path in the order the file
// writes them, so the first problem reported is the first in the file.
func (d *yamlDoc) inFileOrder(path string, names []string) []string {
	sort.Strings(names)
	sort.SliceStable(names, func(i, j int) bool {
		return d.lineOf(joinPath(path, names[i])) < d.lineOf(joinPath(path, names[j]))
	})
	return names
}

// has reports whether key itself is in the file.
func (d *yamlDoc) has(key string) bool {
	_, ok := d.lines[key]
	return ok
}

// errAt builds a LoadError for key in this file.
func (d *yamlDoc) errAt(key, msg string, err error) *LoadError {
	return &LoadError{File: d.shown, Line: d.lineOf(key), Key: key, Msg: msg, Err: err}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentPath drops the last ".key" or "[i]" of a path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// stringKeys turns every mapping key into a string, so the data can be
// handed to compose-go and encoded as JSON.
func stringKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			t[k] = stringKeys(val)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = stringKeys(val)
		}
		return m
	case []any:
		for i, val := range t {
			t[i] = stringKeys(val)
		}
		return t
	}
	return v
}
