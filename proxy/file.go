package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

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
	Port     int    `yaml:"port"`
	TLS      string `yaml:"tls,omitempty"`
}

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
		return nil, fmt.Errorf("%s: %w (see the comment at the top of a file written by "+
			"spinlocal proxy add for the format)", path, err)
	}
	seen := map[string]int{}
	for i, e := range f.Proxy {
		req := emulator.ProxyRequest{Hostname: e.Hostname, Stack: "-", Service: e.Service,
			Port: e.Port, TLS: e.TLS}
		if err := emulator.CheckProxyRequest(req); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %s", path, i+1,
				emulator.AsAPIError(err).Message)
		}
		if j, dup := seen[e.Hostname]; dup {
			return nil, fmt.Errorf("%s: entries %d and %d both serve %s; keep one", path,
				j+1, i+1, e.Hostname)
		}
		seen[e.Hostname] = i
	}
	return f.Proxy, nil
}

// WriteFile replaces a proxy file through a temporary one, so a crash leaves the old
// file or the new one, never half of either.
func WriteFile(path string, entries []Entry) error {
	var buf bytes.Buffer
	buf.WriteString(fileHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(file{Proxy: entries}); err != nil {
		return fmt.Errorf("encode proxy file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".spin-proxy-*.yml")
	if err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write proxy file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write proxy file: %w", err)
	}
	return nil
}
