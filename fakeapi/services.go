package fakeapi

import (
	"fmt"
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

func (s *Server) renderService(req *request, svc emulator.Service) map[string]any {
	var instances []emulator.Container
	for _, id := range s.emu.InstanceIDs(svc.ID) {
		if c, err := s.emu.Container(req.u.pid, id); err == nil {
			instances = append(instances, c)
		}
	}
	m := req.u.renderService(svc, instances, svc.Links, s.emu.FQDN(svc))
	// The actions can depend on more than the state (rollback of a failed upgrade).
	m["actions"] = actions(req.u.self("services", svc.ID), emulator.ServiceActions(svc))
	return m
}

// serveServices handles {p}/services and the kind-specific service collections.
func (s *Server) serveServices(req *request, coll, kind string, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, svc := range s.emu.Services(pid) {
			if kind == "" || svc.Type == kind {
				items = append(items, s.renderService(req, svc))
			}
		}
		create := map[string]any{}
		for c, t := range serviceCollections {
			if t == "" {
				t = "service"
			}
			create[t] = req.u.project() + "/" + c
		}
		list(req, req.u.project()+"/"+coll, "service", items, create)
	case len(rest) == 0 && req.r.Method == http.MethodPost:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		if kind == "" {
			kind = emulator.KindService
		}
		svc, err := s.emu.CreateService(req.caller, pid, serviceInput(kind, body))
		one(req, 201, s.renderService(req, svc), err)
	case len(rest) == 1:
		s.serviceResource(req, rest[0])
	case len(rest) == 2 && req.r.Method == http.MethodGet:
		s.serviceLink(req, rest[0], rest[1])
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func (s *Server) serviceResource(req *request, id string) {
	pid := req.u.pid
	svc, err := s.emu.Service(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	switch req.r.Method {
	case http.MethodGet:
		writeJSON(req.w, 200, s.renderService(req, svc))
	case http.MethodPut:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		svc, err = s.emu.UpdateService(req.caller, pid, id, emulator.ServiceUpdate{
			Scale: optInt(body, "scale"), Metadata: rawMap(body, "metadata"),
			Description: optString(body, "description"), Extra: extras(body)})
		one(req, 200, s.renderService(req, svc), err)
	case http.MethodDelete:
		svc, err = s.emu.RemoveService(req.caller, pid, id)
		one(req, 200, s.renderService(req, svc), err)
	case http.MethodPost:
		s.serviceAction(req, id)
	default:
		writeError(req.w, methodNotAllowed())
	}
}

func (s *Server) serviceAction(req *request, id string) {
	action := actionOf(req.r)
	if action == "" {
		writeError(req.w, methodNotAllowed())
		return
	}
	body, err := decodeBody(req.r)
	if err != nil {
		writeError(req.w, err)
		return
	}
	switch action {
	case "upgrade":
		svc, err := s.emu.UpgradeService(req.caller, req.u.pid, id, upgradeInput(body))
		one(req, 202, s.renderService(req, svc), err)
		return
	case "rollback":
		svc, err := s.emu.RollbackService(req.caller, req.u.pid, id)
		one(req, 202, s.renderService(req, svc), err)
		return
	}
	var links []emulator.ServiceLink
	if action == "setservicelinks" {
		links, err = serviceLinks(body)
		if err != nil {
			writeError(req.w, err)
			return
		}
	}
	svc, err := s.emu.ServiceAction(req.caller, req.u.pid, id, action, links)
	status := 202
	if action == "setservicelinks" {
		status = 200
	}
	one(req, status, s.renderService(req, svc), err)
}

// serviceLink answers {p}/services/{id}/instances and the consumed-services links.
func (s *Server) serviceLink(req *request, id, link string) {
	pid := req.u.pid
	svc, err := s.emu.Service(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	self := req.u.self("services", svc.ID) + "/" + link
	var items []map[string]any
	switch link {
	case "instances":
		for _, cid := range s.emu.InstanceIDs(svc.ID) {
			if c, err := s.emu.Container(pid, cid); err == nil {
				items = append(items, req.u.renderContainer(c))
			}
		}
		list(req, self, "container", items, nil)
	case "consumedservices":
		for _, l := range svc.Links {
			if t, err := s.emu.Service(pid, l.ServiceID); err == nil {
				items = append(items, s.renderService(req, t))
			}
		}
		list(req, self, "service", items, nil)
	case "consumedbyservices":
		for _, other := range s.emu.Services(pid) {
			for _, l := range other.Links {
				if l.ServiceID == svc.ID {
					items = append(items, s.renderService(req, other))
					break
				}
			}
		}
		list(req, self, "service", items, nil)
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

// extraKeys are kind-specific service fields stored and returned verbatim.
var extraKeys = []string{"lbConfig", "selectorLink", "selectorContainer",
	"externalIpAddresses", "hostname", "scalePolicy", "healthCheck", "vip",
	"assignServiceIpAddress"}

func extras(body map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range extraKeys {
		if v, ok := body[k]; ok && v != nil {
			out[k] = clean(v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func serviceInput(kind string, b map[string]any) emulator.ServiceInput {
	return emulator.ServiceInput{Type: kind, Name: str(b, "name"), StackID: str(b, "stackId"),
		Description: str(b, "description"), Scale: optInt(b, "scale"),
		LaunchConfig: cleanMap(b, "launchConfig"),
		Secondary:    cleanMaps(b, "secondaryLaunchConfigs"),
		Metadata:     rawMap(b, "metadata"), StartOnCreate: boolean(b, "startOnCreate"),
		RetainIP: boolean(b, "retainIp"), Extra: extras(b)}
}

// serviceLinks reads the body of setservicelinks.
func serviceLinks(b map[string]any) ([]emulator.ServiceLink, error) {
	raw, _ := b["serviceLinks"].([]any)
	var out []emulator.ServiceLink
	for _, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, badRequest("serviceLinks entries must be objects")
		}
		l := emulator.ServiceLink{Name: str(m, "name"), ServiceID: str(m, "serviceId")}
		if l.ServiceID == "" {
			return nil, &emulator.APIError{Status: 422, Code: "InvalidReference",
				FieldName: "serviceLinks", Message: fmt.Sprintf("link %q names no serviceId; "+
					"links across environments (%s) are not supported", l.Name,
					str(m, "service"))}
		}
		out = append(out, l)
	}
	return out, nil
}

// upgradeInput reads an upgrade action's inServiceStrategy.
func upgradeInput(body map[string]any) emulator.UpgradeInput {
	st, ok := body["inServiceStrategy"].(map[string]any)
	if !ok {
		return emulator.UpgradeInput{}
	}
	in := emulator.UpgradeInput{HasStrategy: true, StartFirst: boolean(st, "startFirst"),
		LaunchConfig: cleanMap(st, "launchConfig"),
		Secondary:    cleanMaps(st, "secondaryLaunchConfigs")}
	if n := optInt(st, "batchSize"); n != nil {
		in.BatchSize = *n
	}
	if n := optInt(st, "intervalMillis"); n != nil {
		in.IntervalMillis = *n
	}
	return in
}
