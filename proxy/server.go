package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
)

// Table is what the proxy reads: the emulator, or a fake in unit tests.
type Table interface {
	ProxyTarget(hostname string) (emulator.ProxyTarget, bool)
}

// Config says where the proxy listens and what it serves. An empty address turns that
// side off.
type Config struct {
	HTTPAddr  string
	HTTPSAddr string
	Table     Table
	CA        *CA
	Log       *slog.Logger
}

// Server is a running proxy.
type Server struct {
	cfg        Config
	httpLn     net.Listener
	tlsLn      net.Listener
	httpSrv    *http.Server
	tlsSrv     *http.Server
	terminated *connQueue
	balance    *balancer
	transport  *http.Transport
	httpsPort  string
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// Start listens on the configured addresses and serves until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Server{cfg: cfg, balance: newBalancer(), cancel: cancel,
		transport: &http.Transport{DialContext: (&net.Dialer{
			Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: 64,
			IdleConnTimeout: 90 * time.Second, ResponseHeaderTimeout: 5 * time.Minute}}
	var lc net.ListenConfig
	var err error
	if cfg.HTTPSAddr != "" {
		if s.tlsLn, err = lc.Listen(ctx, "tcp", cfg.HTTPSAddr); err != nil {
			cancel()
			return nil, fmt.Errorf("proxy: listen on %s for HTTPS: %w", cfg.HTTPSAddr, err)
		}
		_, s.httpsPort, _ = net.SplitHostPort(s.tlsLn.Addr().String())
	}
	if cfg.HTTPAddr != "" {
		if s.httpLn, err = lc.Listen(ctx, "tcp", cfg.HTTPAddr); err != nil {
			if s.tlsLn != nil {
				s.tlsLn.Close()
			}
			cancel()
			return nil, fmt.Errorf("proxy: listen on %s for HTTP: %w", cfg.HTTPAddr, err)
		}
	}
	logErrs := slog.NewLogLogger(cfg.Log.Handler(), slog.LevelDebug)
	if s.httpLn != nil {
		s.httpSrv = &http.Server{Handler: s.handler(false), ErrorLog: logErrs,
			ReadHeaderTimeout: 30 * time.Second}
		s.serve(func() error { return s.httpSrv.Serve(s.httpLn) })
	}
	if s.tlsLn != nil {
		s.terminated = newConnQueue(s.tlsLn.Addr())
		s.tlsSrv = &http.Server{Handler: s.handler(true), ErrorLog: logErrs,
			ReadHeaderTimeout: 30 * time.Second, TLSConfig: s.tlsConfig()}
		s.serve(func() error { return s.tlsSrv.ServeTLS(s.terminated, "", "") })
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.acceptTLS(ctx)
		}()
	}
	go func() {
		<-ctx.Done()
		s.shutdown()
	}()
	return s, nil
}

// serve runs one http.Server loop, logging how it ends unless the proxy is closing.
func (s *Server) serve(loop func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := loop(); err != nil && !errors.Is(err, http.ErrServerClosed) &&
			!errors.Is(err, net.ErrClosed) {
			s.cfg.Log.Error("proxy stopped serving", "err", err)
		}
	}()
}

// HTTPAddr and HTTPSAddr are where the proxy listens, nil for a side that is off.
func (s *Server) HTTPAddr() net.Addr { return addrOf(s.httpLn) }

// HTTPSAddr is where the proxy serves TLS.
func (s *Server) HTTPSAddr() net.Addr { return addrOf(s.tlsLn) }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// Close stops the proxy and waits for its loops to end.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

// shutdown closes the listeners and the connections being served.
func (s *Server) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, srv := range []*http.Server{s.httpSrv, s.tlsSrv} {
		if srv != nil && srv.Shutdown(ctx) != nil {
			srv.Close()
		}
	}
	if s.tlsLn != nil {
		s.tlsLn.Close()
	}
	s.transport.CloseIdleConnections()
}
