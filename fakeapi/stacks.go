package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/export"
)

func (s *Server) renderStack(req *request, st emulator.Stack) map[string]any {
	return req.u.renderStack(st, s.emu.ServiceIDs(st.ID))
}

// serveStacks handles {p}/stacks[/{id}[/services]].
func (s *Server) serveStacks(req *request, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, st := range s.emu.Stacks(pid) {
			items = append(items, s.renderStack(req, st))
		}
		list(req, req.u.project()+"/stacks", "stack", items,
			map[string]any{"stack": req.u.project() + "/stacks"})
	case len(rest) == 0 && req.r.Method == http.MethodPost:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		st, err := s.emu.CreateStack(req.caller, pid, stackInput(body))
		one(req, 201, s.renderStack(req, st), err)
	case len(rest) == 1:
		s.stackResource(req, rest[0])
	case len(rest) == 2 && rest[1] == "services" && req.r.Method == http.MethodGet:
		st, err := s.emu.Stack(pid, rest[0])
		if err != nil {
			writeError(req.w, err)
			return
		}
		var items []map[string]any
		for _, svc := range s.emu.Services(pid) {
			if svc.StackID == st.ID {
				items = append(items, s.renderService(req, svc))
			}
		}
		list(req, req.u.self("stacks", st.ID)+"/services", "service", items, nil)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func (s *Server) stackResource(req *request, id string) {
	pid := req.u.pid
	st, err := s.emu.Stack(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	switch req.r.Method {
	case http.MethodGet:
		writeJSON(req.w, 200, s.renderStack(req, st))
	case http.MethodPut:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		st, err = s.emu.UpdateStack(req.caller, pid, id, optString(body, "description"),
			optString(body, "group"))
		one(req, 200, s.renderStack(req, st), err)
	case http.MethodDelete:
		st, err = s.emu.RemoveStack(req.caller, pid, id)
		one(req, 200, s.renderStack(req, st), err)
	case http.MethodPost:
		action := actionOf(req.r)
		if action == "" {
			writeError(req.w, methodNotAllowed())
			return
		}
		if _, err := decodeBody(req.r); err != nil {
			writeError(req.w, err)
			return
		}
		if action == "exportconfig" {
			reply, err := export.Reply(s.emu, pid, st)
			one(req, 200, reply, err)
			return
		}
		st, err = s.emu.StackAction(req.caller, pid, id, action)
		one(req, 200, s.renderStack(req, st), err)
	default:
		writeError(req.w, methodNotAllowed())
	}
}

func stackInput(b map[string]any) emulator.StackInput {
	in := emulator.StackInput{Name: str(b, "name"), Description: str(b, "description"),
		Group: str(b, "group"), System: boolean(b, "system"),
		StartOnCreate: boolean(b, "startOnCreate"), DockerCompose: str(b, "dockerCompose"),
		RancherComp: str(b, "rancherCompose")}
	if env, ok := b["environment"].(map[string]any); ok {
		in.Environment = map[string]string{}
		for k, v := range env {
			in.Environment[k] = asString(v)
		}
	}
	return in
}
