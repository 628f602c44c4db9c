package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// WriteText writes one line per finding, "file:line: level rule: message",
// then a summary line.
func WriteText(w io.Writer, stack string, fs []Finding) error {
	rejected, warned := 0, 0
	for _, f := range fs {
		if _, err := fmt.Fprintf(w, "%s%s %s: %s\n", where(f), f.Level, f.Rule,
			f.Message); err != nil {
			return fmt.Errorf("write audit report: %w", err)
		}
		switch f.Level {
		case Reject:
			rejected++
		case Warn:
			warned++
		}
	}
	verdict := "accepted"
	if rejected > 0 {
		verdict = "rejected"
	}
	_, err := fmt.Fprintf(w, "stack %q: %s (%d rejected, %d warnings)\n", stack, verdict,
		rejected, warned)
	if err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return nil
}

func where(f Finding) string {
	switch {
	case f.File == "":
		return ""
	case f.Line == 0:
		return f.File + ": "
	}
	return f.File + ":" + strconv.Itoa(f.Line) + ": "
}

// jsonReport is the --format json document.
type jsonReport struct {
	Stack    string    `json:"stack"`
	Rejected bool      `json:"rejected"`
	Findings []Finding `json:"findings"`
}

// WriteJSON writes {"stack", "rejected", "findings": [...]}.
func WriteJSON(w io.Writer, stack string, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonReport{Stack: stack, Rejected: Rejected(fs),
		Findings: fs}); err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return nil
}
