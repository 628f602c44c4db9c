package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

func (u urls) renderPullTask(t emulator.PullTask) map[string]any {
	m := base(t.Meta, "pullTask")
	m["image"] = t.Image
	m["mode"] = "all"
	m["status"] = t.Status
	self := u.self("pulltasks", t.ID)
	m["links"] = map[string]any{"self": self}
	m["actions"] = map[string]any{}
	return m
}

// servePullTasks handles {p}/pulltasks: `rancher up --pull` posts one per image and polls
// it until it stops transitioning.
func (s *Server) servePullTasks(req *request, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, t := range s.emu.PullTasks(pid) {
			items = append(items, req.u.renderPullTask(t))
		}
		list(req, req.u.project()+"/pulltasks", "pullTask", items, nil)
	case len(rest) == 0 && req.r.Method == http.MethodPost:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		t, err := s.emu.CreatePullTask(req.r.Context(), pid, str(body, "image"))
		one(req, 201, req.u.renderPullTask(t), err)
	case len(rest) == 1 && req.r.Method == http.MethodGet:
		for _, t := range s.emu.PullTasks(pid) {
			if t.ID == rest[0] {
				writeJSON(req.w, 200, req.u.renderPullTask(t))
				return
			}
		}
		writeError(req.w, emulator.ErrNotFound)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}
