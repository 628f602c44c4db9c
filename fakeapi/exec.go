package fakeapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
)

// The exec websocket speaks Cattle's protocol (cattle-api 6.2): base64 text frames both
// ways and close 1000 with no reason when the command ends. A client that adds the query
// parameter spinlocal=1 (spinlocal exec does) may also send binary frames whose first
// byte is one of the Exec* opcodes below, gets its output as binary frames whose first
// byte is ExecStdout or ExecStderr followed by the raw bytes, and finds the exit status
// in the reason of the final close 1000: "exit 3". The parameters cols and rows give
// that client's initial terminal size.
const (
	// ExecStdin is followed by raw bytes for the command's standard input.
	ExecStdin = 0
	// ExecEOF ends the command's standard input (EOT on a terminal).
	ExecEOF = 1
	// ExecResize is followed by the terminal's columns and rows, uint16 big-endian each.
	ExecResize = 2
	// ExecStdout prefixes output on stdout, or on the terminal.
	ExecStdout = 1
	// ExecStderr prefixes output on stderr.
	ExecStderr = 2
)

// ExecExitPrefix starts the close reason that carries the exit status: "exit 3".
const ExecExitPrefix = "exit "

const (
	// execGrace is how long a command whose client left may take to end on EOF before
	// it is killed.
	execGrace = 2 * time.Second
	// stdinBacklog bounds the input decoded but not yet written to the command.
	stdinBacklog = 1 << 20
)

// execUpgrader reads in large pieces: `spinlocal exec -i` streams whole files.
var execUpgrader = websocket.Upgrader{
	ReadBufferSize:  64 << 10,
	WriteBufferSize: 64 << 10,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// execToken answers the container "execute" action with a host-access token. The CLI
// always sends attachStdin, attachStdout and tty true; absent fields default to true as
// Cattle's containerExec input did. An empty command runs sh.
func (s *Server) execToken(req *request, c emulator.Container, body map[string]any) {
	if err := s.emu.MayChangeContainer(req.caller, req.u.pid, c.ID); err != nil {
		writeError(req.w, err)
		return
	}
	if !contains(emulator.Actions(emulator.KindContainer, c.State), "execute") {
		writeError(req.w, &emulator.APIError{Status: 422, Code: "ActionNotAvailable",
			FieldName: "action", Message: "execute is not available in state " + c.State})
		return
	}
	opts := engine.ExecOptions{Stdin: true, Tty: true}
	if v, ok := body["attachStdin"].(bool); ok {
		opts.Stdin = v
	}
	if v, ok := body["tty"].(bool); ok {
		opts.Tty = v
	}
	if raw, ok := body["command"].([]any); ok {
		for _, e := range raw {
			arg, ok := e.(string)
			if !ok {
				writeError(req.w, &emulator.APIError{Status: 422, Code: "InvalidType",
					FieldName: "command", Message: "command must be a list of strings"})
				return
			}
			opts.Cmd = append(opts.Cmd, arg)
		}
	}
	tok := s.tokens.issue(grant{pid: req.u.pid, container: c.ID, exec: &opts})
	wsBase := "ws" + strings.TrimPrefix(req.u.base, "http")
	writeJSON(req.w, 200, map[string]any{"type": "hostAccess", "url": wsBase + "/v1/exec/",
		"token": tok, "links": map[string]any{}, "actions": map[string]any{}})
}

// handleExecSocket runs the command of an exec token and relays its streams.
func (s *Server) handleExecSocket(w http.ResponseWriter, r *http.Request) {
	g, ok := s.tokens.redeem(r.URL.Query().Get("token"))
	if !ok || g.exec == nil {
		writeError(w, &emulator.APIError{Status: 401, Code: "Unauthorized",
			Message: "exec token is missing, used or expired; ask for a new one"})
		return
	}
	q := r.URL.Query()
	opts := *g.exec
	ext := q.Get("spinlocal") == "1"
	if ext {
		opts.Width, opts.Height = queryUint(q.Get("cols")), queryUint(q.Get("rows"))
	} else if opts.Tty {
		// The CLI sends no size (cattle-api 6.2): give programs a classic terminal.
		opts.Width, opts.Height = 80, 24
	}
	conn, err := execUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	ctx := r.Context()
	sess, err := s.emu.Exec(ctx, g.pid, g.container, opts)
	if err != nil {
		msg := emulator.AsAPIError(err).Message
		if len(msg) > 120 {
			// A close frame's reason must fit in 123 bytes.
			msg = msg[:120]
		}
		closeWith(conn, websocket.CloseInternalServerErr, msg)
		return
	}
	x := &execRelay{conn: conn, sess: sess, ext: ext, tty: opts.Tty, stdin: opts.Stdin,
		s: s}
	x.run(ctx)
}

func queryUint(v string) uint {
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return 0
	}
	return uint(n)
}
