package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
)

// helloTimeout bounds how long a client may take to send its TLS ClientHello.
const helloTimeout = 10 * time.Second

// errHelloRead stops the handshake used to read the ClientHello.
var errHelloRead = errors.New("client hello read")

// tlsConfig gives each terminated name a certificate of the local CA.
func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name := hostOnly(h.ServerName)
			t, ok := s.cfg.Table.ProxyTarget(name)
			if !ok || t.Entry.TLS != emulator.ProxyTerminate {
				s.cfg.Log.Info("proxy: TLS for a name with no entry", "sni", name,
					"client", h.Conn.RemoteAddr().String())
				return nil, fmt.Errorf("no proxy entry for %q", name)
			}
			return s.cfg.CA.Leaf(name)
		}}
}

// acceptTLS reads each connection's ClientHello and sends it on by its SNI name: to the
// service's own TLS port for a pass-through entry, else to the terminating server.
func (s *Server) acceptTLS(ctx context.Context) {
	for {
		conn, err := s.tlsLn.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.cfg.Log.Error("proxy: accept", "err", err)
			}
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.routeTLS(ctx, conn)
		}()
	}
}

func (s *Server) routeTLS(ctx context.Context, conn net.Conn) {
	_ = conn.SetReadDeadline(time.Now().Add(helloTimeout))
	name, seen, err := readHello(ctx, conn)
	_ = conn.SetReadDeadline(time.Time{})
	if err != nil {
		s.cfg.Log.Debug("proxy: no TLS ClientHello", "client", conn.RemoteAddr().String(),
			"err", err)
		conn.Close()
		return
	}
	replay := &replayConn{Conn: conn, r: io.MultiReader(bytes.NewReader(seen), conn)}
	t, ok := s.cfg.Table.ProxyTarget(hostOnly(name))
	if !ok || t.Entry.TLS != emulator.ProxyPassthrough {
		if !s.terminated.push(ctx, replay) {
			conn.Close()
		}
		return
	}
	s.passThrough(ctx, replay, t)
}

// passThrough joins the client to one of the service's containers, byte for byte.
func (s *Server) passThrough(ctx context.Context, client net.Conn, t emulator.ProxyTarget) {
	defer client.Close()
	if len(t.Addrs) == 0 {
		s.cfg.Log.Warn("proxy: pass-through refused", "reason", noBackend(t))
		return
	}
	addr := s.balance.pick(t.Entry.Hostname, t.Addrs)
	d := net.Dialer{Timeout: 5 * time.Second}
	backend, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		s.cfg.Log.Warn("proxy: backend failed", "host", t.Entry.Hostname, "backend", addr,
			"err", err)
		return
	}
	defer backend.Close()
	stop := context.AfterFunc(ctx, func() { client.Close(); backend.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(backend, client)
		closeWrite(backend)
	}()
	_, _ = io.Copy(client, backend)
	closeWrite(client)
	wg.Wait()
}

// closeWrite half-closes a TCP connection so the other side sees the end of the stream.
func closeWrite(c net.Conn) {
	if rc, ok := c.(*replayConn); ok {
		c = rc.Conn
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	c.Close()
}

// readHello reads a TLS ClientHello with crypto/tls itself and returns the SNI name and
// the bytes read, which the real handshake replays.
func readHello(ctx context.Context, conn net.Conn) (string, []byte, error) {
	var seen bytes.Buffer
	var name string
	got := false
	probe := tls.Server(&readOnlyConn{Conn: conn, r: io.TeeReader(conn, &seen)},
		&tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			name, got = h.ServerName, true
			return nil, errHelloRead
		}})
	err := probe.HandshakeContext(ctx)
	if !got {
		return "", nil, fmt.Errorf("read ClientHello: %w", err)
	}
	return name, seen.Bytes(), nil
}

// readOnlyConn lets the ClientHello probe read but not answer.
type readOnlyConn struct {
	net.Conn
	r io.Reader
}

func (c *readOnlyConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *readOnlyConn) Write(p []byte) (int, error) { return 0, io.ErrClosedPipe }

// replayConn reads the bytes already taken from a connection before the rest of it.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// connQueue is a net.Listener fed by acceptTLS with the connections to terminate.
type connQueue struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newConnQueue(addr net.Addr) *connQueue {
	return &connQueue{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

// push hands a connection to the terminating server; false once it is closed.
func (q *connQueue) push(ctx context.Context, c net.Conn) bool {
	select {
	case q.ch <- c:
		return true
	case <-q.done:
		return false
	case <-ctx.Done():
		return false
	}
}

func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

func (q *connQueue) Addr() net.Addr { return q.addr }
