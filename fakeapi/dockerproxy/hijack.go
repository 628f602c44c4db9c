package dockerproxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gorilla/websocket"
)

// hijack relays an upgraded connection (exec start, attach) both ways: Docker's output
// to the client until Docker ends it, the client's input to Docker meanwhile. Bytes the
// client sent right after its request are buffered in s.in and go first. A nil resp means
// the upgrade's head has been sent already.
func (s *session) hijack(resp *http.Response) error {
	if resp != nil {
		if err := writeHead(s.out, resp, nil); err != nil {
			return err
		}
		if err := flush(s.out); err != nil {
			return err
		}
	}
	up := make(chan struct{})
	go func() {
		defer close(up)
		_, _ = io.Copy(s.docker, s.in)
	}()
	err := copyBody(s.out, s.din, true)
	// The client cannot half-close a websocket: when Docker is done, so is the session.
	s.ws.closeWith(websocket.CloseNormalClosure, "")
	s.ws.stop()
	<-up
	return err
}

// holdLimit bounds the output hijackHeld keeps back.
const holdLimit = 16 << 20

// hijackHeld relays the upgraded stream of an exec that takes no input (docker exec
// without -i). The docker client half-closes such a connection as soon as it is upgraded,
// and the Rancher CLI v0.6.14 then closes the websocket at once (observed), so any output
// sent after the upgrade is lost. The upgrade is therefore answered only when the command
// has ended, in one frame with all its output, which the CLI writes to the docker client
// whole before that client can half-close. Output beyond holdLimit streams after it, as
// far as the CLI lets it.
func (s *session) hijackHeld(resp *http.Response) error {
	var held bytes.Buffer
	if err := writeHead(&held, resp, nil); err != nil {
		return err
	}
	_, err := io.CopyN(&held, s.din, holdLimit)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read held output from Docker: %w", err)
	}
	if _, werr := s.ws.Write(held.Bytes()); werr != nil {
		return werr
	}
	if err == nil {
		// The limit was reached: the rest streams.
		return s.hijack(nil)
	}
	s.ws.closeWith(websocket.CloseNormalClosure, "")
	s.ws.stop()
	return nil
}
