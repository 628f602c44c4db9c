package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/spinlocal/spinlocal/emulator"
)

// FileName is the proxy file spinlocal looks for beside the compose file.
const FileName = "spin-proxy.yml"

// Entry is one line of the proxy file. An empty stack means the stack deployed from the
// compose file beside it; an empty TLS mode means terminate.
type Entry struct {
	Hostname string `yaml:"hostname"`
	Stack    string `yaml:"stack,omitempty"`
	Service  string `yaml:"service"`
	Port     Port   `yaml:"port"`
	TLS      string `yaml:"tls,omitempty"`
}

// Port is a port number, written plain or quoted, as compose files allow.
type Port int

// UnmarshalYAML reads 8080 or "8080".
func (p *Port) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: port must be one number, e.g. 8080", n.Line)
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("line %d: port %q is not a number", n.Line, n.Value)
	}
	*p = Port(v)
	return nil
}

// normalHost is a host name as the proxy keys it: lower case, no trailing dot.
func normalHost(h string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
}

// yamlTypes names the file's parts in decoding errors instead of Go's type names.
var yamlTypes = strings.NewReplacer("in type proxy.Entry", "in a proxy entry",
	"in type proxy.file", "at the top of the file (want proxy:)",
	"into proxy.file", "into the file's top level (want proxy:)",
	"into []proxy.Entry", "into the proxy list", "into proxy.Entry", "into a proxy entry")

// file is the document: a list under one key, so the format can grow.
type file struct {
	Proxy []Entry `yaml:"proxy"`
}

// fileHeader opens a file that spinlocal writes.
const fileHeader = `# Reverse proxy entries for spinlocal, Spin's perimeter proxy on a laptop.
# Edited by "spinlocal proxy add|rm"; applied by "spinlocal up" and on every change while
# "spinlocal up" runs in the foreground. Fields: hostname, service, port (the service's
# listening port), stack (default: the stack of the compose file beside this one),
# tls: terminate (default; HTTPS with spinlocal's CA) or passthrough (by SNI name).
`

// ReadFile reads a proxy file. A missing file is no entries and no error.
func ReadFile(path string) ([]Entry, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read proxy file: %w", err)
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s (see the comment at the top of a file written by "+
			"spinlocal proxy add for the format)", path, yamlTypes.Replace(err.Error()))
	}
	lines := entryLines(raw)
	seen := map[string]int{}
	for i := range f.Proxy {
		e := &f.Proxy[i]
		e.Hostname = normalHost(e.Hostname)
		req := emulator.ProxyRequest{Hostname: e.Hostname, Stack: "-", Service: e.Service,
			Port: int(e.Port), TLS: e.TLS}
		if err := emulator.CheckProxyRequest(req); err != nil {
			where := fmt.Sprintf("entry %d", i+1)
			if i < len(lines) {
				where = fmt.Sprintf("line %d: entry %d", lines[i], i+1)
			}
			return nil, fmt.Errorf("%s: %s: %s", path, where, emulator.AsAPIError(err).Message)
		}
		if j, dup := seen[e.Hostname]; dup {
			return nil, fmt.Errorf("%s: entries %d and %d both serve %s; keep one", path,
				j+1, i+1, e.Hostname)
		}
		seen[e.Hostname] = i
	}
	return f.Proxy, nil
}

// entryLines gives the line on which each entry of the proxy list starts, for messages.
func entryLines(raw []byte) []int {
	var doc yaml.Node
	if yaml.Unmarshal(raw, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	top := doc.Content[0]
	for i := 0; top.Kind == yaml.MappingNode && i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "proxy" {
			continue
		}
		var lines []int
		for _, item := range top.Content[i+1].Content {
			lines = append(lines, item.Line)
		}
		return lines
	}
	return nil
}

// AddEntry writes e into the proxy file at path, in place of an entry for the same host
// name, which it returns; the rest of the file, comments included, is kept. A missing
// file is made with a header that explains the format.
func AddEntry(path string, e Entry) (*Entry, error) {
	e.Hostname = normalHost(e.Hostname)
	var replaced *Entry
	err := editFile(path, func(seq *yaml.Node) error {
		var n yaml.Node
		if err := n.Encode(e); err != nil {
			return fmt.Errorf("encode proxy entry: %w", err)
		}
		for i, item := range seq.Content {
			if entryHost(item) != e.Hostname {
				continue
			}
			var old Entry
			if item.Decode(&old) == nil {
				replaced = &old
			}
			keepComments(&n, item)
			seq.Content[i] = &n
			return nil
		}
		seq.Style = 0 // a block list, also after an empty "proxy: []"
		seq.Content = append(seq.Content, &n)
		return nil
	})
	return replaced, err
}

// RemoveEntry drops the entry for host from the proxy file at path and reports whether
// there was one; the rest of the file is kept.
func RemoveEntry(path, host string) (bool, error) {
	host = normalHost(host)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	found := false
	err := editFile(path, func(seq *yaml.Node) error {
		kept := seq.Content[:0]
		for _, item := range seq.Content {
			if entryHost(item) == host {
				found = true
				continue
			}
			kept = append(kept, item)
		}
		seq.Content = kept
		return nil
	})
	return found, err
}

// keepComments moves the comments of the entry a new one replaces: on the entry, and on
// the fields both have.
func keepComments(n, old *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = old.HeadComment, old.LineComment,
		old.FootComment
	byKey := map[string][2]*yaml.Node{}
	for i := 0; i+1 < len(old.Content); i += 2 {
		byKey[old.Content[i].Value] = [2]*yaml.Node{old.Content[i], old.Content[i+1]}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		o, ok := byKey[n.Content[i].Value]
		if !ok {
			continue
		}
		k, v := n.Content[i], n.Content[i+1]
		k.HeadComment, k.LineComment, k.FootComment = o[0].HeadComment, o[0].LineComment,
			o[0].FootComment
		v.HeadComment, v.LineComment, v.FootComment = o[1].HeadComment, o[1].LineComment,
			o[1].FootComment
	}
}

// entryHost reads the host name of an entry node, in lower case.
func entryHost(item *yaml.Node) string {
	if item.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		if item.Content[i].Value == "hostname" {
			return normalHost(item.Content[i+1].Value)
		}
	}
	return ""
}

// editFile applies edit to the list of entries of the file at path and writes the file
// back through a temporary one, so a crash leaves the old file or the new one.
func editFile(path string, edit func(seq *yaml.Node) error) error {
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read proxy file: %w", err)
	}
	var doc yaml.Node
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{
			Kind: yaml.MappingNode, HeadComment: fileHeader}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: want a mapping with a proxy list", path)
	}
	var seq *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "proxy" {
			seq = root.Content[i+1]
		}
	}
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode,
			Value: "proxy"}, seq)
	}
	if seq.Kind != yaml.SequenceNode {
		// "proxy:" with nothing after it, or null: make it a list.
		*seq = yaml.Node{Kind: yaml.SequenceNode}
	}
	if err := edit(seq); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encode proxy file: %w", err)
	}
	return writeAtomic(path, buf.Bytes())
}

// writeAtomic replaces path through a temporary file in the same folder. A symbolic link
// is followed, so its target is what changes, and an existing file keeps its mode.
func writeAtomic(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	mode := os.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".spin-proxy-*.yml")
	if err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write proxy file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	return nil
}

// Restore puts back a proxy file's former content (nil: no file), after a change the
// daemon refused.
func Restore(path string, old []byte) error {
	if old == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore proxy file: %w", err)
		}
		return nil
	}
	return writeAtomic(path, old)
}
