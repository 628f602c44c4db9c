package audit

import (
	"go.yaml.in/yaml/v3"
)

// Source is the content of one compose or rancher-compose file, named as
// the user should see it.
type Source struct {
	Name string
	Data []byte
}

// keyAliases are older spellings of a compose key (compose v1's net).
var keyAliases = map[string][]string{"network_mode": {"net"}}

// Locate fills in File and Line of each finding from the project's files,
// given in load order (later compose files override earlier ones). A
// finding points at its key, else at its service, else (for the stack) at
// the first file. Files that are not YAML mappings are skipped.
func Locate(fs []Finding, sources []Source) {
	var docs []locDoc
	for _, s := range sources {
		var root yaml.Node
		if yaml.Unmarshal(s.Data, &root) != nil || len(root.Content) == 0 {
			continue
		}
		if top := root.Content[0]; top.Kind == yaml.MappingNode {
			docs = append(docs, locDoc{name: s.Name, root: top})
		}
	}
	if len(docs) == 0 {
		return
	}
	for i := range fs {
		if fs[i].File == "" {
			fs[i].File, fs[i].Line = locate(docs, fs[i])
		}
	}
}

type locDoc struct {
	name string
	root *yaml.Node
}

func locate(docs []locDoc, f Finding) (string, int) {
	if f.Service == "" {
		for _, d := range docs {
			if k, _ := lookup(d.root, f.Key); k != nil {
				return d.name, k.Line
			}
		}
		return docs[0].name, 0
	}
	for i := len(docs) - 1; i >= 0; i-- {
		svc := docs[i].service(f.Service)
		for _, key := range append([]string{f.Key}, keyAliases[f.Key]...) {
			if k, _ := lookup(svc, key); k != nil {
				return docs[i].name, k.Line
			}
		}
	}
	for _, d := range docs {
		if k, _ := d.serviceKey(f.Service); k != nil {
			return d.name, k.Line
		}
	}
	return docs[0].name, 0
}

// serviceKey finds a service under services: (v2) or at the top (v1).
func (d locDoc) serviceKey(name string) (key, value *yaml.Node) {
	if _, services := lookup(d.root, "services"); services != nil {
		return lookup(services, name)
	}
	return lookup(d.root, name)
}

func (d locDoc) service(name string) *yaml.Node {
	_, v := d.serviceKey(name)
	return v
}

// lookup finds key in mapping m, following aliases and <<: merge keys
// (x-defaults anchors), so the line is where the value was written.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "<<" {
			continue
		}
		merged := deref(m.Content[i+1])
		sources := []*yaml.Node{merged}
		if merged != nil && merged.Kind == yaml.SequenceNode {
			sources = merged.Content
		}
		for _, s := range sources {
			if k, v := lookup(s, key); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}
