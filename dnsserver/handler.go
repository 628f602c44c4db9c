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
	if !ok {
		if !h.isZone(q.Name) {
			m.Rcode = dns.RcodeNameError
		}
		return m
	}
	running, found := h.lookup(parts)
	if !found {
		m.Rcode = dns.RcodeNameError
		return m
	}
	if q.Qclass != dns.ClassINET || (q.Qtype != dns.TypeA && q.Qtype != dns.TypeANY) {
		return m // the name exists, with no records of that type
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

func (h *Handler) isZone(qname string) bool {
	for _, z := range h.zones {
		if dnsname.Zone(qname) == z {
			return true
		}
	}
	return false
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
