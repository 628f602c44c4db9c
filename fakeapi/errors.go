package fakeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// writeError renders Cattle's error envelope. Empty texts become null so the CLI, which
// drops null keys, prints only what is set.
func writeError(w http.ResponseWriter, err error) {
	ae := emulator.AsAPIError(err)
	if ae.Spin {
		writeJSON(w, ae.Status, map[string]any{"type": "error", "status": ae.Status,
			"message": ae.Message})
		return
	}
	body := map[string]any{"id": newID(), "type": "error", "baseType": "error",
		"links":   map[string]any{},
		"actions": map[string]any{}, "status": ae.Status, "code": ae.Code,
		"message": nullable(ae.Message), "detail": nil, "fieldName": nullable(ae.FieldName)}
	writeJSON(w, ae.Status, body)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// badRequest reports a body the API cannot read.
func badRequest(format string, args ...any) error {
	return &emulator.APIError{Status: 422, Code: "InvalidFormat",
		Message: fmt.Sprintf(format, args...)}
}

// decodeBody reads a JSON object body; an empty body or "null" gives an empty map.
func decodeBody(r *http.Request) (map[string]any, error) {
	var body map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 16<<20))
	dec.UseNumber()
	err := dec.Decode(&body)
	switch {
	case errors.Is(err, errEOF()):
		return map[string]any{}, nil
	case err != nil:
		return nil, badRequest("request body is not a JSON object: %v", err)
	}
	if body == nil {
		body = map[string]any{}
	}
	return normalizeNumbers(body).(map[string]any), nil
}

// normalizeNumbers turns json.Number into int64 or float64 so stored documents keep
// integers exact.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
		return t
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
