package compose

import (
	"fmt"
	"strings"
)

// LoadError is a problem in one of the project's files. File is the path
// as given, Line is 1-based (0 when unknown), Key is the dotted path of the
// offending key (list items as [i]), and Msg says what is wrong and what to
// do about it.
type LoadError struct {
	File string
	Line int
	Key  string
	Msg  string
	// Err is the underlying error, if any.
	Err error
}

// Error renders "file: line N: key: message", leaving out unknown parts.
func (e *LoadError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *LoadError) Unwrap() error { return e.Err }
