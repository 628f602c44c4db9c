package dockerproxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/emulator"
)

// Backend is what a session needs from the daemon, bound to one caller in one
// environment.
type Backend interface {
	// Dial opens a raw connection to the Docker engine's API.
	Dial(ctx context.Context) (net.Conn, error)
	// Targets lists the environment's containers; Mine marks the caller's.
	Targets() []emulator.DockerTarget
	// ExecTag returns a new tag for an exec: environment entries, the first of which is
	// the marker EndExec finds its processes by.
	ExecTag() []string
	// EndExec kills the processes whose environment holds marker in the caller's running
	// container dockerID.
	EndExec(ctx context.Context, dockerID, marker string) error
}

// execConfigLimit bounds the exec config the proxy reads to check it.
const execConfigLimit = 1 << 20

// session is one websocket: one HTTP connection of the docker client.
type session struct {
	b      Backend
	labels map[string]string // the daemon's and the environment's, for lists and events
	log    *slog.Logger
	ws     *wsStream
	in     *bufio.Reader // from the docker client
	out    *bufio.Writer // to the docker client; each flush is one frame
	docker net.Conn      // to Docker, dialled at the first request that passes
	din    *bufio.Reader
	unhook func() bool // stops closing docker when the client goes
}

// Serve relays the docker client's requests on conn until either side ends. labels are
// the Docker labels every container of the environment carries.
func Serve(ctx context.Context, conn *websocket.Conn, b Backend, labels map[string]string,
	log *slog.Logger) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ws := newWSStream(conn, cancel)
	go ws.pump()
	s := &session{b: b, labels: labels, log: log, ws: ws,
		in: bufio.NewReaderSize(ws, 64<<10), out: bufio.NewWriterSize(ws, 64<<10)}
	defer s.end()
	for {
		req, err := http.ReadRequest(s.in)
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				_ = writeRefusal(s.out, &refusal{status: http.StatusBadRequest,
					message: "spinlocal: the dockersocket stream is not HTTP/1.1: " +
						err.Error()}, true)
			}
			return
		}
		keep, err := s.serve(ctx, req)
		_ = req.Body.Close()
		if err != nil {
			s.log.Debug("rancher docker connection ended", "err", err)
		}
		if !keep || err != nil {
			return
		}
	}
}

// end closes both sides.
func (s *session) end() {
	if s.docker != nil {
		s.unhook()
		_ = s.docker.Close()
	}
	s.ws.closeWith(websocket.CloseNormalClosure, "")
	s.ws.stop()
}

// serve answers one request and reports whether the connection goes on.
func (s *session) serve(ctx context.Context, req *http.Request) (bool, error) {
	s.log.Debug("rancher docker request", "method", req.Method, "url", req.URL.String())
	prefix, seg := splitPath(req.URL.Path)
	v := route(req.Method, seg)
	if v.refusal == nil {
		v.refusal = s.check(ctx, req, &v, prefix, seg)
	}
	if v.refusal != nil {
		s.log.Info("rancher docker request refused", "method", req.Method,
			"path", req.URL.Path, "status", v.refusal.status)
		return s.refuse(req, v.refusal)
	}
	return s.relay(ctx, req, v)
}

// check resolves and checks what a passing request names, and rewrites it for Docker.
func (s *session) check(ctx context.Context, req *http.Request, v *verdict, prefix string,
	seg []string) *refusal {
	switch {
	case v.container:
		t, ok := resolve(s.b.Targets(), seg[1])
		if !ok {
			return noSuchContainer(seg[1])
		}
		if !t.Mine {
			return notMine(t.Name, t.Stack)
		}
		seg[1] = t.DockerID
		req.URL.Path, req.URL.RawPath = joinPath(prefix, seg), ""
		if seg[2] == "attach" && !truthy(req.URL.Query().Get("stdin")) {
			return attachWithoutInput(t.Name)
		}
	case v.exec:
		if r := s.checkExec(ctx, v, prefix, seg); r != nil {
			return r
		}
	case v.reply == replyList || v.reply == replyEvents:
		q, limit, err := scopeQuery(req.URL.Query(), s.labels)
		if err != nil {
			return &refusal{status: http.StatusBadRequest, message: "spinlocal: " +
				err.Error()}
		}
		req.URL.RawQuery, v.limit = q.Encode(), limit
	}
	if v.execConfig {
		return s.checkExecConfig(req, v, seg[1])
	}
	return nil
}

// checkExec lets an exec instance through when it runs in one of the caller's
// containers, and holds the output of one that reads no input.
func (s *session) checkExec(ctx context.Context, v *verdict, prefix string,
	seg []string) *refusal {
	id := seg[1]
	gone := &refusal{status: http.StatusNotFound, message: "No such exec instance: " + id}
	info, err := inspectExec(ctx, s.b, prefix, id)
	if errors.Is(err, errNoExec) {
		return gone
	}
	if err != nil {
		return &refusal{status: http.StatusBadGateway, message: "spinlocal: " + err.Error()}
	}
	t, ok := byDockerID(s.b.Targets(), info.ContainerID)
	if !ok {
		return gone
	}
	if !t.Mine {
		return notMine(t.Name, t.Stack)
	}
	v.hold = seg[2] == "start" && !info.OpenStdin
	return nil
}

// truthy reads a boolean query parameter as Docker does.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}

// checkExecConfig refuses an exec that asks for privileges or another user, and tags the
// others (exectag.go) in container. Docker decodes the config with encoding/json too, so
// both read the same fields, whatever their case.
func (s *session) checkExecConfig(req *http.Request, v *verdict, container string) *refusal {
	raw, err := io.ReadAll(io.LimitReader(req.Body, execConfigLimit+1))
	if err != nil || len(raw) > execConfigLimit {
		return &refusal{status: http.StatusBadRequest,
			message: "spinlocal: cannot read the exec config"}
	}
	var cfg struct {
		Privileged bool
		User       string
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return &refusal{status: http.StatusBadRequest,
			message: "spinlocal: the exec config is not valid JSON: " + err.Error()}
	}
	if cfg.Privileged {
		return privileged()
	}
	if cfg.User != "" {
		return otherUser(cfg.User)
	}
	raw = s.tagExec(raw, v, container)
	req.Body = io.NopCloser(bytes.NewReader(raw))
	req.ContentLength, req.TransferEncoding = int64(len(raw)), nil
	return nil
}

// refuse answers r after reading the request's body, so that the connection can go on.
func (s *session) refuse(req *http.Request, r *refusal) (bool, error) {
	n, err := io.Copy(io.Discard, io.LimitReader(req.Body, bodyLimit+1))
	closing := req.Close || err != nil || n > bodyLimit
	if req.Method == http.MethodHead {
		// A HEAD answer has no body (docker cp asks with HEAD first).
		resp := &http.Response{Status: strconv.Itoa(r.status) + " " +
			http.StatusText(r.status), Header: http.Header{}}
		framing := http.Header{"Content-Length": {"0"}}
		if closing {
			framing.Set("Connection", "close")
		}
		if err := writeHead(s.out, resp, framing); err != nil {
			return false, err
		}
		return !closing, flush(s.out)
	}
	if err := writeRefusal(s.out, r, closing); err != nil {
		return false, err
	}
	return !closing, nil
}

// relay sends a request to Docker and its answer back.
func (s *session) relay(ctx context.Context, req *http.Request, v verdict) (bool, error) {
	if err := s.dial(ctx); err != nil {
		_ = writeRefusal(s.out, &refusal{status: http.StatusBadGateway,
			message: "spinlocal: " + err.Error()}, true)
		return false, err
	}
	if err := req.Write(s.docker); err != nil {
		return false, fmt.Errorf("send %s %s to Docker: %w", req.Method, req.URL.Path, err)
	}
	resp, err := http.ReadResponse(s.din, req)
	if err != nil {
		return false, fmt.Errorf("read Docker's answer to %s %s: %w", req.Method,
			req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return false, s.hijackExec(ctx, req, resp, v)
	}
	ok := resp.StatusCode == http.StatusOK
	switch {
	case resp.StatusCode == http.StatusCreated && v.tag != nil:
		err = s.rewritten(resp, s.noteTag(*v.tag))
	case ok && v.reply == replyList:
		err = s.rewritten(resp, func(b []byte) ([]byte, error) {
			return filterList(b, s.b.Targets(), v.limit)
		})
	case ok && v.reply == replyInfo:
		err = s.rewritten(resp, func(b []byte) ([]byte, error) {
			return sanitizeInfo(b, s.b.Targets())
		})
	case ok && v.reply == replyEvents:
		err = s.events(resp)
	case ok && v.reply == replyExec && cutShort.has(execID(req)):
		err = s.rewritten(resp, markExitCode)
	default:
		err = s.pass(req, resp)
	}
	return err == nil && !req.Close && !resp.Close, err
}

// hijackExec relays an upgraded stream, and ends the tagged exec it started when the
// stream is over but the command is not.
func (s *session) hijackExec(ctx context.Context, req *http.Request, resp *http.Response,
	v verdict) error {
	var tag execTag
	var ok bool
	if v.exec {
		tag, ok = tagged.take(execID(req))
	}
	var err error
	if v.hold {
		err = s.hijackHeld(ctx, req, resp)
	} else {
		err = s.hijack(resp)
	}
	if ok {
		s.endAbandoned(ctx, execID(req), tag)
	}
	return err
}

// dial connects to Docker once per session; the connection closes when the client goes.
func (s *session) dial(ctx context.Context) error {
	if s.docker != nil {
		return nil
	}
	conn, err := s.b.Dial(ctx)
	if err != nil {
		return err
	}
	s.docker, s.din = conn, bufio.NewReaderSize(conn, 32<<10)
	s.unhook = context.AfterFunc(ctx, func() { _ = conn.Close() })
	return nil
}

// pass relays Docker's answer unchanged, streaming its body.
func (s *session) pass(req *http.Request, resp *http.Response) error {
	code := resp.StatusCode
	noBody := req.Method == http.MethodHead || code/100 == 1 ||
		code == http.StatusNoContent || code == http.StatusNotModified
	var framing http.Header
	raw := true
	switch {
	case noBody:
	case resp.ContentLength >= 0:
		framing = http.Header{"Content-Length": {strconv.FormatInt(resp.ContentLength, 10)}}
	case len(resp.TransferEncoding) > 0:
		framing, raw = chunkedFraming, false
	default:
		// A body that ends when Docker closes the connection.
		framing = http.Header{"Connection": {"close"}}
	}
	if err := writeHead(s.out, resp, framing); err != nil {
		return err
	}
	// The head goes at once: docker wait, for one, gets it long before its body, and
	// docker attach waits for that head before it goes on.
	if err := flush(s.out); err != nil || noBody {
		return err
	}
	if err := copyBody(s.out, resp.Body, raw); err != nil {
		return err
	}
	if !raw {
		return endChunks(s.out)
	}
	return nil
}

// rewritten reads Docker's answer whole, changes it with fn and sends it.
func (s *session) rewritten(resp *http.Response, fn func([]byte) ([]byte, error)) error {
	b, err := readWhole(resp.Body)
	if err == nil {
		b, err = fn(b)
	}
	if err != nil {
		_ = writeRefusal(s.out, &refusal{status: http.StatusBadGateway,
			message: "spinlocal: " + err.Error()}, true)
		return err
	}
	framing := http.Header{"Content-Length": {strconv.Itoa(len(b))}}
	return writeWhole(s.out, resp, framing, b)
}
