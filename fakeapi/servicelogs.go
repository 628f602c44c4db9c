package fakeapi

import (
	"net/http"
	"strconv"

	"github.com/spinlocal/spinlocal/emulator"
)

func (u urls) renderServiceLog(l emulator.ServiceLog) map[string]any {
	m := base(l.Meta, emulator.KindServiceLog)
	m["serviceId"] = l.ServiceID
	m["instanceId"] = nullable(l.InstanceID)
	m["eventType"] = l.EventType
	m["level"] = l.Level
	m["transactionId"] = l.TransactionID
	m["subLog"] = false
	stamp(m, "endTime", l.EndTime)
	m["links"] = map[string]any{"self": u.self("servicelogs", l.ID),
		"service": u.self("services", l.ServiceID)}
	m["actions"] = map[string]any{}
	return m
}

// serveServiceLogs answers {p}/servicelogs, the service event log `rancher logs --service`
// reads: newest first with order=desc, at most limit entries (limit <= 0: all).
func (s *Server) serveServiceLogs(req *request, rest []string) {
	if req.r.Method != http.MethodGet {
		writeError(req.w, methodNotAllowed())
		return
	}
	logs := s.emu.ServiceLogs(req.u.pid)
	if len(rest) == 1 {
		for _, l := range logs {
			if l.ID == rest[0] {
				writeJSON(req.w, 200, req.u.renderServiceLog(l))
				return
			}
		}
	}
	if len(rest) > 0 {
		writeError(req.w, emulator.ErrNotFound)
		return
	}
	q := req.r.URL.Query()
	// Every entry is a top-level one: subLog=0 keeps them all, subLog=1 none.
	sub := q.Get("subLog")
	q.Del("subLog")
	items := []map[string]any{}
	if sub != "1" && sub != "true" {
		for _, l := range logs {
			items = append(items, req.u.renderServiceLog(l))
		}
	}
	items = filter(items, q)
	sortByID(items)
	if q.Get("order") == "desc" {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n < len(items) {
		items = items[:n]
	}
	writeJSON(req.w, 200, collection(req.u.project()+"/servicelogs", emulator.KindServiceLog,
		items, nil))
}
