package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spinlocal/spinlocal/emulator/audit"
	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// loadMessage renders a load error as file:line: key: message.
func loadMessage(err error) string {
	var le *compose.LoadError
	if !errors.As(err, &le) || le.File == "" {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(watchShort(le.File))
	if le.Line > 0 {
		fmt.Fprintf(&b, ":%d", le.Line)
	}
	b.WriteString(": ")
	if le.Key != "" {
		b.WriteString(le.Key + ": ")
	}
	b.WriteString(le.Msg)
	return b.String()
}

// refusalMessage renders a failed reload. The daemon's Spin audit refuses with a 401 and
// a message only; the offline audit finds the file and line of the key it is about.
func refusalMessage(p *compose.Project, err error) string {
	var se *client.ServiceError
	var apiErr *client.Error
	if !errors.As(err, &se) || !errors.As(err, &apiErr) ||
		apiErr.Status != http.StatusUnauthorized {
		return err.Error()
	}
	levels := audit.Levels{}
	for _, r := range audit.Rules() {
		levels[r.ID] = audit.Reject
	}
	var hits []audit.Finding
	for _, f := range audit.CheckProject(audit.Config{Levels: levels}, p) {
		if strings.Contains(apiErr.Message, f.Message) {
			hits = append(hits, f)
		}
	}
	if len(hits) == 0 {
		hits = []audit.Finding{{Service: se.Service}}
	}
	audit.Locate(hits, sources(p.Files))
	at := hits[0].File
	if at == "" {
		return err.Error()
	}
	if hits[0].Line > 0 {
		at += fmt.Sprintf(":%d", hits[0].Line)
	}
	return fmt.Sprintf("%s: %s (refused by the Spin audit)", at, apiErr.Message)
}

// watchShort names a file relative to the current directory when it is below it.
func watchShort(path string) string {
	cwd, err := os.Getwd()
	if err != nil || !filepath.IsAbs(path) {
		return path
	}
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// watchWithin reports whether path is dir or below it.
func watchWithin(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func watchAbs(base, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(base, path)
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func watchSorted[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
