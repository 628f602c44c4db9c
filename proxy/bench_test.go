package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
)

// benchWorkers is how many clients send requests at once.
const benchWorkers = 8

// BenchmarkProxyVsDirect sends the same small requests straight to a backend and through
// the proxy, over plain HTTP and over HTTPS terminated by the proxy, with keep-alive
// clients, and reports requests per second of each and the ratios to the direct rate.
//
//	go test -run '^$' -bench ProxyVsDirect -benchtime 20000x ./proxy/
func BenchmarkProxyVsDirect(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		_ *http.Request) {
		_, _ = io.WriteString(w, "hello from the service\n")
	}))
	defer backend.Close()
	ca, err := LoadCA(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	tb := &table{targets: map[string]emulator.ProxyTarget{}}
	tb.set("bench.localhost", emulator.ProxyTerminate, backend.Listener.Addr().String())
	s, err := Start(b.Context(), Config{HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0",
		Table: tb, CA: ca})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	direct := rate(b, clientFor(ca, backend.Listener.Addr().String()),
		"http://bench.localhost/")
	plain := rate(b, clientFor(ca, s.HTTPAddr().String()), "http://bench.localhost/")
	secure := rate(b, clientFor(ca, s.HTTPSAddr().String()), "https://bench.localhost/")
	b.ReportMetric(direct, "direct-req/s")
	b.ReportMetric(plain, "proxy-http-req/s")
	b.ReportMetric(secure, "proxy-https-req/s")
	b.ReportMetric(plain/direct, "http-ratio")
	b.ReportMetric(secure/direct, "https-ratio")
}

// rate sends b.N requests with benchWorkers clients and returns requests per second.
func rate(b *testing.B, c *http.Client, url string) float64 {
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = benchWorkers
	jobs := make(chan struct{}, b.N)
	for range b.N {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	var wg sync.WaitGroup
	for range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				resp, err := c.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: %s", url, resp.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(b.N) / time.Since(start).Seconds()
}
