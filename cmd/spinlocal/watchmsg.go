package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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

// refusalMessage renders a failed reload, one line per reason. A refusal by the Spin
// audit names the file and line of each key it is about: the daemon's findings carry the
// service and key, and a refusal of one request (401, a message only) is matched with the
// offline audit's findings.
func refusalMessage(p *compose.Project, err error) string {
	var auditErr *client.AuditError
	if errors.As(err, &auditErr) {
		return auditLines(p, auditErr.Findings)
	}
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

// auditLines renders the audit's refusals of a reload, each with its file and line.
func auditLines(p *compose.Project, findings []audit.Finding) string {
	fs := slices.Clone(findings)
	audit.Locate(fs, sources(p.Files))
	lines := make([]string, len(fs))
	for i, f := range fs {
		at := ""
		if f.File != "" {
			at = f.File
			if f.Line > 0 {
				at += fmt.Sprintf(":%d", f.Line)
			}
			at += ": "
		}
		lines[i] = at + f.Message + " (refused by the Spin audit)"
	}
	return strings.Join(lines, "\n")
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
