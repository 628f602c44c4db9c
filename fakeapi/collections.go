package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// serviceCollections maps a kind-specific collection to the service type it holds.
var serviceCollections = map[string]string{
	"services": "", "loadbalancerservices": "loadBalancerService",
	"dnsservices": "dnsService", "externalservices": "externalService",
}

// emptyCollections are published types spinlocal has no objects of yet: they list empty
// and every id is unknown.
var emptyCollections = map[string]string{
	"certificates": "certificate", "settings": "setting",
	"machines": "machine", "projecttemplates": "projectTemplate",
}

// serveCollection dispatches {p}/<collection>[/<id>[/<link>]].
func (s *Server) serveCollection(req *request, coll string, rest []string) {
	switch {
	case coll == "stacks":
		s.serveStacks(req, rest)
	case serviceCollections[coll] != "" || coll == "services":
		s.serveServices(req, coll, serviceCollections[coll], rest)
	case coll == "containers" || coll == "instances":
		s.serveContainers(req, coll, rest)
	case coll == "hosts":
		s.serveHosts(req, rest)
	case coll == "subscribe" && len(rest) == 0:
		s.serveSubscribe(req)
	case coll == "servicelogs":
		s.serveServiceLogs(req, rest)
	case coll == "pulltasks":
		s.servePullTasks(req, rest)
	case coll == "serviceconsumemaps":
		s.serveConsumeMaps(req, rest)
	case coll == "secrets":
		s.serveSecrets(req, rest)
	case coll == "volumes":
		s.serveVolumes(req, rest)
	case coll == "volumetemplates":
		s.serveVolumeTemplates(req, rest)
	case emptyCollections[coll] != "":
		if len(rest) > 0 {
			writeError(req.w, emulator.ErrNotFound)
			return
		}
		if req.r.Method != http.MethodGet {
			writeError(req.w, notYet(emptyCollections[coll]))
			return
		}
		writeJSON(req.w, 200, collection(req.u.project()+"/"+coll, emptyCollections[coll],
			nil, nil))
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

// notYet is the honest answer for a type spinlocal publishes but cannot create yet.
func notYet(kind string) error {
	return &emulator.APIError{Status: 422, Code: "InvalidOption", FieldName: "type",
		Message: "creating a " + kind + " is not supported by this spinlocal version"}
}

// list answers a GET on a collection with the query's filters applied.
func list(req *request, self, kind string, items []map[string]any,
	createTypes map[string]any) {
	items = filter(items, req.r.URL.Query())
	sortByID(items)
	writeJSON(req.w, 200, collection(self, kind, items, createTypes))
}

// one answers a single resource or an error.
func one(req *request, status int, m map[string]any, err error) {
	if err != nil {
		writeError(req.w, err)
		return
	}
	writeJSON(req.w, status, m)
}

// action returns the ?action= of a POST, or "".
func actionOf(r *http.Request) string { return r.URL.Query().Get("action") }
