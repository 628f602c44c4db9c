package dockerproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// events relays Docker's event stream, keeping the events of the caller's containers.
// The set is looked up per event: containers come and go while docker events runs.
func (s *session) events(resp *http.Response) error {
	if err := writeHead(s.out, resp, chunkedFraming); err != nil {
		return err
	}
	if err := flush(s.out); err != nil {
		return err
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return endChunks(s.out)
			}
			return fmt.Errorf("read Docker's events: %w", err)
		}
		if !s.ownEvent(raw) {
			continue
		}
		if err := chunked(s.out, append(raw, '\n')); err != nil {
			return err
		}
	}
}

// ownEvent reports whether an event is about one of the caller's containers.
func (s *session) ownEvent(raw json.RawMessage) bool {
	var ev struct {
		Type  string
		Actor struct{ ID string }
	}
	if json.Unmarshal(raw, &ev) != nil || ev.Type != "container" {
		return false
	}
	t, ok := byDockerID(s.b.Targets(), ev.Actor.ID)
	return ok && t.Mine
}
