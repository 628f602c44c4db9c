package fakeapi

import (
	"time"

	"github.com/spinlocal/spinlocal/emulator"
)

// pingEvery is how often an idle subscription gets a keep-alive frame.
const pingEvery = 5 * time.Second

// serveSubscribe answers {p}/subscribe: a websocket that carries one resource.change frame
// per change of a resource of the project, and a ping frame right away and every few
// seconds. The client never sends; the daemon never closes an open subscription.
func (s *Server) serveSubscribe(req *request) {
	events, stop := s.emu.Subscribe()
	defer stop()
	conn, err := upgrader.Upgrade(req.w, req.r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	send := func(v any) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return conn.WriteJSON(v) == nil
	}
	if !send(map[string]any{"name": "ping"}) {
		return
	}
	for {
		select {
		case <-gone:
			return
		case <-ping.C:
			if !send(map[string]any{"name": "ping"}) {
				return
			}
		case ev, ok := <-events:
			if !ok {
				return
			}
			frame := s.eventFrame(req, ev)
			if frame != nil && !send(frame) {
				return
			}
		}
	}
}

// eventFrame renders a changed record as a resource.change frame, or nil when it is not
// of this project.
func (s *Server) eventFrame(req *request, ev any) map[string]any {
	var res map[string]any
	switch r := ev.(type) {
	case emulator.Stack:
		if r.AccountID == req.u.pid {
			res = s.renderStack(req, r)
		}
	case emulator.Service:
		if r.AccountID == req.u.pid {
			res = s.renderService(req, r)
		}
	case emulator.Container:
		if r.AccountID == req.u.pid {
			res = req.u.renderContainer(r)
		}
	case emulator.Host:
		res = req.u.renderHost(r, s.emu.HostInstanceIDs())
	case emulator.ServiceLog:
		if r.AccountID == req.u.pid {
			res = req.u.renderServiceLog(r)
		}
	}
	if res == nil {
		return nil
	}
	return map[string]any{"id": newID(), "name": "resource.change",
		"resourceType": res["type"], "resourceId": res["id"],
		"data": map[string]any{"resource": res}}
}
