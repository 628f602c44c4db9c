package dockerproxy

import (
	"bytes"
	"context"
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

// hijackHeld relays the upgraded stream of an exec that takes no input (docker exec
// without -i). The docker client half-closes such a connection as soon as it is upgraded,
// and the Rancher CLI v0.6.14 then closes the websocket at once (observed), so any output
// sent after the upgrade is lost. The upgrade is therefore answered only when the command
// has ended, in one frame with all its output, which the CLI writes to the docker client
// before it sees the half-close. What the operating system cannot buffer in between is
// lost all the same, so output beyond heldSafe is not sent at all: the client gets a
// message saying why instead, and exit code 1 (see cutShort).
func (s *session) hijackHeld(ctx context.Context, req *http.Request,
	resp *http.Response) error {
	var held bytes.Buffer
	if err := writeHead(&held, resp, nil); err != nil {
		return err
	}
	head := held.Len()
	n, err := io.CopyN(&held, s.din, heldSafe+1)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read held output from Docker: %w", err)
	}
	if n > heldSafe {
		id := execID(req)
		cutShort.mark(id)
		// Drain the rest, so the command ends as it would have.
		rest, _ := io.Copy(io.Discard, s.din)
		msg := tooMuchOutput()
		held.Truncate(head)
		info, ierr := inspectExec(ctx, s.b, "", id)
		if ierr == nil && info.ProcessConfig.Tty {
			held.WriteString(msg)
		} else {
			held.Write(stderrFrame(msg))
		}
		s.log.Info("rancher docker exec output withheld", "exec", id, "bytes", n+rest)
	}
	if _, werr := s.ws.Write(held.Bytes()); werr != nil {
		return werr
	}
	s.ws.closeWith(websocket.CloseNormalClosure, "")
	s.ws.stop()
	return nil
}

// execID is the exec instance a /exec/{id}/... request names.
func execID(req *http.Request) string {
	_, seg := splitPath(req.URL.Path)
	if len(seg) >= 2 && seg[0] == "exec" {
		return seg[1]
	}
	return ""
}
