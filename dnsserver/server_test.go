package dnsserver

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spinlocal/spinlocal/emulator"
)

type fakeModel []emulator.PublishedService

func (f fakeModel) PublishedServices() []emulator.PublishedService { return f }

var model = fakeModel{
	{Env: "dev-cattle", Stack: "mystack", Service: "web", Running: 2},
	{Env: "Prod-Cattle", Stack: "MyStack", Service: "DB", Running: 1},
	{Env: "sandbox", Stack: "idle", Service: "api", Running: 0},
}

func start(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, "127.0.0.1:0", model, "stable.spin.nersc.org.", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := s.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s.Addr().String()
}

func query(t *testing.T, c *dns.Client, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	r, _, err := c.ExchangeContext(ctx, q, addr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func TestAnswers(t *testing.T) {
	addr := start(t)
	for _, net := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: net}
		for _, tc := range []struct {
			name  string
			qtype uint16
			rcode int
			as    int
		}{
			{"web.mystack.dev-cattle.stable.spin.nersc.org", dns.TypeA, dns.RcodeSuccess, 2},
			{"WEB.mystack.dev-cattle.Stable.Spin.Nersc.Org", dns.TypeA, dns.RcodeSuccess, 2},
			{"web.mystack.dev-cattle.localhost", dns.TypeA, dns.RcodeSuccess, 2},
			{"db.mystack.prod-cattle.stable.spin.nersc.org", dns.TypeA, dns.RcodeSuccess, 1},
			{"api.idle.sandbox.stable.spin.nersc.org", dns.TypeA, dns.RcodeSuccess, 0},
			{"web.mystack.dev-cattle.stable.spin.nersc.org", dns.TypeAAAA,
				dns.RcodeSuccess, 0},
			{"stable.spin.nersc.org", dns.TypeA, dns.RcodeSuccess, 0},
			{"nosuch.mystack.dev-cattle.stable.spin.nersc.org", dns.TypeA,
				dns.RcodeNameError, 0},
			{"mystack.dev-cattle.stable.spin.nersc.org", dns.TypeA, dns.RcodeNameError, 0},
			{"nosuch.localhost", dns.TypeA, dns.RcodeNameError, 0},
			{"web.mystack.dev-cattle.nersc.gov", dns.TypeA, dns.RcodeRefused, 0},
			{"example.com", dns.TypeA, dns.RcodeRefused, 0},
		} {
			r := query(t, c, addr, tc.name, tc.qtype)
			if r.Rcode != tc.rcode || len(r.Answer) != tc.as {
				t.Errorf("%s %s %s: rcode %s, %d answers; want %s, %d", net, tc.name,
					dns.TypeToString[tc.qtype], dns.RcodeToString[r.Rcode], len(r.Answer),
					dns.RcodeToString[tc.rcode], tc.as)
			}
			for _, rr := range r.Answer {
				a, ok := rr.(*dns.A)
				if !ok || !a.A.IsLoopback() || a.Hdr.Name != dns.Fqdn(tc.name) {
					t.Errorf("%s: answer %v", tc.name, rr)
				}
			}
		}
	}
}

// Negative answers carry the zone's SOA, so resolvers can cache them (RFC 2308); the SOA
// itself is answered at the zone's apex.
func TestNegativeAnswersCarrySOA(t *testing.T) {
	addr := start(t)
	c := &dns.Client{Net: "udp"}
	for _, tc := range []struct {
		name, zone string
		qtype      uint16
	}{
		{"nosuch.mystack.dev-cattle.stable.spin.nersc.org", "stable.spin.nersc.org.",
			dns.TypeA},
		{"web.mystack.dev-cattle.stable.spin.nersc.org", "stable.spin.nersc.org.",
			dns.TypeAAAA},
		{"nosuch.localhost", "localhost.", dns.TypeA},
		{"stable.spin.nersc.org", "stable.spin.nersc.org.", dns.TypeA},
	} {
		r := query(t, c, addr, tc.name, tc.qtype)
		if len(r.Ns) != 1 {
			t.Errorf("%s: authority %v, want the SOA of %s", tc.name, r.Ns, tc.zone)
			continue
		}
		if s, ok := r.Ns[0].(*dns.SOA); !ok || s.Hdr.Name != tc.zone || s.Minttl == 0 {
			t.Errorf("%s: authority %v, want the SOA of %s", tc.name, r.Ns[0], tc.zone)
		}
	}
	r := query(t, c, addr, "Stable.Spin.Nersc.Org", dns.TypeSOA)
	if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("SOA query: %v", r.Answer)
	}
	if r := query(t, c, addr, "example.com", dns.TypeA); len(r.Ns) != 0 {
		t.Errorf("a refused name got authority %v", r.Ns)
	}
}

func TestShutdownTwice(t *testing.T) {
	s, err := Start(t.Context(), "127.0.0.1:0", model, "example.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDNSAnswers measures queries per second over UDP on loopback, one at a time.
func BenchmarkDNSAnswers(b *testing.B) {
	addr := start(b)
	conn, err := dns.Dial("udp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	q := new(dns.Msg)
	q.SetQuestion("web.mystack.dev-cattle.stable.spin.nersc.org.", dns.TypeA)
	for b.Loop() {
		if err := conn.WriteMsg(q); err != nil {
			b.Fatal(err)
		}
		r, err := conn.ReadMsg()
		if err != nil || len(r.Answer) != 2 {
			b.Fatalf("answer %v, %v", r, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
