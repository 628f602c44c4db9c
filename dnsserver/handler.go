package dnsserver

import (
	"net"
	"strings"

	"github.com/miekg/dns"

	"github.com/spinlocal/spinlocal/emulator/dnsname"
)

// ttl is short: containers come and go as stacks are upgraded and scaled.
const ttl = 5

var loopback = net.IPv4(127, 0, 0, 1)

// Handler answers queries from the model; it is a dns.Handler.
type Handler struct {
	model Model
	zones []string
}

// NewHandler answers names under suffix and under localhost.
func NewHandler(model Model, suffix string) *Handler {
	return &Handler{model: model, zones: []string{dnsname.Zone(suffix), dnsname.Localhost}}
}

// ServeDNS answers the first question of r.
func (h *Handler) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := h.Answer(r)
	size := dns.MinMsgSize
	if opt := r.IsEdns0(); opt != nil {
		size = int(opt.UDPSize())
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// Answer builds the reply to a query.
func (h *Handler) Answer(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(r)
	if r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 {
		m.Rcode = dns.RcodeNotImplemented
		return m
	}
	q := r.Question[0]
	parts, inZone, ok := h.match(q.Name)
	if !inZone {
		m.Rcode = dns.RcodeRefused
		return m
	}
	m.Authoritative = true
	zone := h.zoneOf(q.Name)
	if !ok {
		if zone != dnsname.Zone(q.Name) {
			m.Rcode = dns.RcodeNameError
		} else if q.Qtype == dns.TypeSOA || q.Qtype == dns.TypeANY {
			m.Answer = append(m.Answer, soa(zone))
			return m
		}
		m.Ns = append(m.Ns, soa(zone))
		return m
	}
	running, found := h.lookup(parts)
	if !found {
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, soa(zone))
		return m
	}
	if q.Qclass != dns.ClassINET || (q.Qtype != dns.TypeA && q.Qtype != dns.TypeANY) {
		// The name exists, with no records of that type.
		m.Ns = append(m.Ns, soa(zone))
		return m
	}
	for range running {
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name,
			Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: loopback})
	}
	return m
}

func (h *Handler) match(qname string) (dnsname.Parts, bool, bool) {
	for _, z := range h.zones {
		if p, inZone, ok := dnsname.Split(qname, z); inZone {
			return p, true, ok
		}
	}
	return dnsname.Parts{}, false, false
}

// zoneOf returns the zone of h that holds qname, "" for none.
func (h *Handler) zoneOf(qname string) string {
	name := dnsname.Zone(qname)
	for _, z := range h.zones {
		if name == z || strings.HasSuffix(name, "."+z) {
			return z
		}
	}
	return ""
}

// soa is the zone's start of authority, sent with negative answers so that resolvers
// may cache them for a short while (RFC 2308: the minimum field is the negative TTL).
func soa(zone string) dns.RR {
	origin := dns.Fqdn(zone)
	return &dns.SOA{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA,
		Class: dns.ClassINET, Ttl: ttl}, Ns: "ns." + origin, Mbox: "hostmaster." + origin,
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: ttl}
}

// lookup finds a published service by its lower-cased labels.
func (h *Handler) lookup(p dnsname.Parts) (running int, found bool) {
	for _, s := range h.model.PublishedServices() {
		if strings.EqualFold(s.Service, p.Service) && strings.EqualFold(s.Stack, p.Stack) &&
			strings.EqualFold(s.Env, p.Env) {
			return s.Running, true
		}
	}
	return 0, false
}
