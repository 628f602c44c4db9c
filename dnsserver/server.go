// Package dnsserver is the daemon's embedded DNS server. It answers the public names of
// services that publish ports, <service>.<stack>.<environment>.<suffix> and the
// <service>.<stack>.<environment>.localhost twin, with one 127.0.0.1 A record per running
// container (published ports bind loopback). Unknown names in those zones get NXDOMAIN and
// names outside them REFUSED: the server is meant as a per-domain resolver, not a
// recursive one.
package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/miekg/dns"

	"github.com/spinlocal/spinlocal/emulator"
)

// Model is what the server reads: the emulator, or a fake in tests.
type Model interface {
	PublishedServices() []emulator.PublishedService
}

// Server serves one suffix (and the localhost twin) over UDP and TCP.
type Server struct {
	handler *Handler
	udp     *dns.Server
	tcp     *dns.Server
	addr    net.Addr
	once    sync.Once
	err     error
}

// Start listens on addr (HOST:PORT; port 0 picks a free one, the same for UDP and TCP)
// and serves until ctx ends or Shutdown is called.
func Start(ctx context.Context, addr string, model Model, suffix string,
	log *slog.Logger) (*Server, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("dns: listen udp %s: %w", addr, err)
	}
	ln, err := lc.Listen(ctx, "tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("dns: listen tcp %s: %w", pc.LocalAddr(), err)
	}
	h := NewHandler(model, suffix)
	s := &Server{handler: h, addr: pc.LocalAddr(),
		udp: &dns.Server{PacketConn: pc, Handler: h},
		tcp: &dns.Server{Listener: ln, Handler: h}}
	var started sync.WaitGroup
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started.Add(1)
		srv.NotifyStartedFunc = started.Done
		go func() {
			if err := srv.ActivateAndServe(); err != nil && log != nil {
				log.Error("dns server stopped", "err", err)
			}
		}()
	}
	// Shutdown fails on a server not yet started, so wait until both are.
	started.Wait()
	go func() {
		<-ctx.Done()
		s.Shutdown(context.Background())
	}()
	return s, nil
}

// Addr is the address the server listens on (UDP and TCP).
func (s *Server) Addr() net.Addr { return s.addr }

// Shutdown stops both listeners; later calls return the first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() {
		var errs []error
		for _, srv := range []*dns.Server{s.udp, s.tcp} {
			if err := srv.ShutdownContext(ctx); err != nil {
				errs = append(errs, fmt.Errorf("dns: shutdown: %w", err))
			}
		}
		s.err = errors.Join(errs...)
	})
	return s.err
}
