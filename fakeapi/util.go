package fakeapi

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"time"
)

func errEOF() error { return io.EOF }

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// stamp renders a time the way Cattle does, with its epoch-millisecond twin.
func stamp(m map[string]any, key string, t *time.Time) {
	if t == nil || t.IsZero() {
		m[key] = nil
		m[key+"TS"] = nil
		return
	}
	m[key] = t.UTC().Format(time.RFC3339)
	m[key+"TS"] = t.UnixMilli()
}
