package fakeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spinlocal/spinlocal/emulator"
)

// writeError renders Cattle's error envelope. Empty texts become null so the CLI, which
// drops null keys, prints only what is set.
func writeError(w http.ResponseWriter, err error) {
	ae := emulator.AsAPIError(err)
	if sr, ok := w.(*statusRecorder); ok && sr.method == http.MethodDelete &&
		sr.writeReason(ae) {
		return
	}
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

// writeReason answers a refused DELETE with the reason in the HTTP status line. The CLI
// drops the body of a failed DELETE but prints the status, so this is the only place a
// `rancher rm` user can read why. It reports false when the connection cannot be taken
// over (HTTP/2), and the caller writes the usual envelope.
func (s *statusRecorder) writeReason(ae *emulator.APIError) bool {
	reason := ae.Message
	if reason == "" {
		reason = ae.FieldName
	}
	reason = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return ' '
		}
		return r
	}, reason)
	if reason == "" || len(reason) > 512 {
		return false
	}
	conn, buf, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return false
	}
	defer conn.Close()
	env := map[string]any{"type": "error", "status": ae.Status, "message": reason}
	if !ae.Spin {
		env["code"] = ae.Code
	}
	body, _ := json.Marshal(env)
	s.status = ae.Status
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", ae.Status, reason, len(body),
		body)
	_ = buf.Flush()
	return true
}
