package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// serveContainers handles {p}/containers and {p}/instances.
func (s *Server) serveContainers(req *request, coll string, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, c := range s.emu.Containers(pid) {
			items = append(items, req.u.renderContainer(c))
		}
		list(req, req.u.project()+"/"+coll, "container", items, nil)
	case len(rest) == 0:
		writeError(req.w, notYet("standalone container (use rancher run)"))
	case len(rest) == 1:
		s.containerResource(req, rest[0])
	case len(rest) == 2 && req.r.Method == http.MethodGet:
		s.containerLink(req, rest[0], rest[1])
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func (s *Server) containerResource(req *request, id string) {
	pid := req.u.pid
	c, err := s.emu.Container(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	switch req.r.Method {
	case http.MethodGet:
		writeJSON(req.w, 200, req.u.renderContainer(c))
	case http.MethodPut:
		if _, err := decodeBody(req.r); err != nil {
			writeError(req.w, err)
			return
		}
		writeJSON(req.w, 200, req.u.renderContainer(c))
	case http.MethodDelete:
		c, err = s.emu.RemoveContainer(req.caller, pid, id)
		one(req, 200, req.u.renderContainer(c), err)
	case http.MethodPost:
		s.containerAction(req, c)
	default:
		writeError(req.w, methodNotAllowed())
	}
}

func (s *Server) containerAction(req *request, c emulator.Container) {
	action := actionOf(req.r)
	body, err := decodeBody(req.r)
	if err != nil {
		writeError(req.w, err)
		return
	}
	if action == "logs" {
		s.logsToken(req, c, body)
		return
	}
	if action == "execute" {
		s.execToken(req, c, body)
		return
	}
	c, err = s.emu.ContainerAction(req.caller, req.u.pid, c.ID, action)
	one(req, 202, req.u.renderContainer(c), err)
}

// containerLink answers {p}/containers/{id}/hosts and /services.
func (s *Server) containerLink(req *request, id, link string) {
	pid := req.u.pid
	c, err := s.emu.Container(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	self := req.u.self("containers", c.ID) + "/" + link
	var items []map[string]any
	switch link {
	case "hosts":
		if h, err := s.emu.Host(c.HostID); err == nil {
			items = append(items, req.u.renderHost(h, s.emu.HostInstanceIDs()))
		}
		list(req, self, "host", items, nil)
	case "services":
		if svc, err := s.emu.Service(pid, c.ServiceID); err == nil {
			items = append(items, s.renderService(req, svc))
		}
		list(req, self, "service", items, nil)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

// serveHosts handles {p}/hosts[/{id}[/instances]].
func (s *Server) serveHosts(req *request, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, h := range s.emu.Hosts() {
			items = append(items, req.u.renderHost(h, s.emu.HostInstanceIDs()))
		}
		list(req, req.u.project()+"/hosts", "host", items, nil)
	case len(rest) == 1 && req.r.Method == http.MethodGet:
		h, err := s.emu.Host(rest[0])
		one(req, 200, req.u.renderHost(h, s.emu.HostInstanceIDs()), err)
	case len(rest) == 1 && req.r.Method == http.MethodPost:
		if _, err := s.emu.Host(rest[0]); err != nil {
			writeError(req.w, err)
			return
		}
		if actionOf(req.r) == "dockersocket" {
			s.dockerSocketToken(req)
			return
		}
		writeError(req.w, &emulator.APIError{Status: 422, Code: "ActionNotAvailable",
			FieldName: "action", Message: "the laptop host cannot be changed"})
	case len(rest) == 2 && rest[1] == "instances" && req.r.Method == http.MethodGet:
		if _, err := s.emu.Host(rest[0]); err != nil {
			writeError(req.w, err)
			return
		}
		var items []map[string]any
		for _, c := range s.emu.Containers(pid) {
			items = append(items, req.u.renderContainer(c))
		}
		list(req, req.u.self("hosts", rest[0])+"/instances", "container", items, nil)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

// serveConsumeMaps lists service links as serviceConsumeMap resources.
func (s *Server) serveConsumeMaps(req *request, rest []string) {
	var items []map[string]any
	for _, cm := range s.emu.ConsumeMaps(req.u.pid) {
		self := req.u.self("serviceconsumemaps", cm.ID)
		m := map[string]any{"id": cm.ID, "type": "serviceConsumeMap", "name": cm.Name,
			"serviceId": cm.ServiceID, "consumedServiceId": cm.ConsumedServiceID,
			"accountId": cm.AccountID, "state": "active", "transitioning": "no",
			"transitioningMessage": "", "removed": nil, "links": map[string]any{"self": self},
			"actions": map[string]any{}}
		created := cm.Created
		stamp(m, "created", &created)
		items = append(items, m)
	}
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		list(req, req.u.project()+"/serviceconsumemaps", "serviceConsumeMap", items, nil)
	case len(rest) == 1 && req.r.Method == http.MethodGet:
		for _, it := range items {
			if it["id"] == rest[0] {
				writeJSON(req.w, 200, it)
				return
			}
		}
		writeError(req.w, emulator.ErrNotFound)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}
