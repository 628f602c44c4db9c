package fakeapi

import (
	"net/http"

	"github.com/spinlocal/spinlocal/emulator"
)

// serveVolumes handles {p}/volumes[/{id}]: `rancher volume ls/create/rm` and lookups.
func (s *Server) serveVolumes(req *request, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, v := range s.emu.Volumes(pid) {
			items = append(items, req.u.renderVolume(v))
		}
		self := req.u.project() + "/volumes"
		list(req, self, "volume", items, map[string]any{"volume": self})
	case len(rest) == 0 && req.r.Method == http.MethodPost:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		v, err := s.emu.CreateVolume(req.r.Context(), req.caller, pid, emulator.VolumeInput{
			Name: str(body, "name"), Driver: str(body, "driver"),
			DriverOpts: stringMap(body, "driverOpts")})
		one(req, 201, req.u.renderVolume(v), err)
	case len(rest) == 1:
		s.volumeResource(req, rest[0])
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func (s *Server) volumeResource(req *request, id string) {
	pid := req.u.pid
	v, err := s.emu.Volume(pid, id)
	if err != nil {
		writeError(req.w, err)
		return
	}
	switch req.r.Method {
	case http.MethodGet:
		writeJSON(req.w, 200, req.u.renderVolume(v))
	case http.MethodDelete:
		v, err = s.emu.RemoveVolume(req.r.Context(), req.caller, pid, id)
		one(req, 200, req.u.renderVolume(v), err)
	default:
		writeError(req.w, methodNotAllowed())
	}
}

// serveVolumeTemplates handles {p}/volumetemplates[/{id}], which `rancher up` fills from
// a compose file's top-level volumes.
func (s *Server) serveVolumeTemplates(req *request, rest []string) {
	pid := req.u.pid
	switch {
	case len(rest) == 0 && req.r.Method == http.MethodGet:
		var items []map[string]any
		for _, vt := range s.emu.VolumeTemplates(pid) {
			items = append(items, req.u.renderVolumeTemplate(vt))
		}
		self := req.u.project() + "/volumetemplates"
		list(req, self, "volumeTemplate", items, map[string]any{"volumeTemplate": self})
	case len(rest) == 0 && req.r.Method == http.MethodPost:
		body, err := decodeBody(req.r)
		if err != nil {
			writeError(req.w, err)
			return
		}
		in := emulator.VolumeTemplateInput{VolumeInput: emulator.VolumeInput{
			Name: str(body, "name"), Driver: str(body, "driver"),
			DriverOpts: stringMap(body, "driverOpts")}, StackID: str(body, "stackId"),
			External: boolean(body, "external"), PerContainer: boolean(body, "perContainer")}
		vt, err := s.emu.CreateVolumeTemplate(req.caller, pid, in)
		one(req, 201, req.u.renderVolumeTemplate(vt), err)
	case len(rest) == 1:
		vt, err := s.emu.VolumeTemplate(pid, rest[0])
		switch {
		case err != nil:
			writeError(req.w, err)
		case req.r.Method == http.MethodGet:
			writeJSON(req.w, 200, req.u.renderVolumeTemplate(vt))
		case req.r.Method == http.MethodDelete:
			vt, err = s.emu.RemoveVolumeTemplate(req.caller, pid, vt.ID)
			one(req, 200, req.u.renderVolumeTemplate(vt), err)
		default:
			writeError(req.w, methodNotAllowed())
		}
	default:
		writeError(req.w, emulator.ErrNotFound)
	}
}

func (u urls) renderVolume(v emulator.Volume) map[string]any {
	m := base(v.Meta, "volume")
	m["accountId"] = u.pid
	m["driver"] = v.Driver
	m["driverOpts"] = optionMap(v.DriverOpts)
	m["accessMode"] = "singleHostRW"
	if v.Driver == emulator.DriverNFS {
		m["accessMode"] = "multiHostRW"
	}
	m["stackId"] = nullable(v.StackID)
	m["volumeTemplateId"] = nullable(v.TemplateID)
	m["deploymentUnitUuid"] = nullable(v.UnitUUID)
	m["hostId"] = nil
	if v.Used {
		m["hostId"] = emulator.HostID
	}
	m["storageDriverId"] = nil
	m["externalId"] = nullable(v.DockerName)
	m["isHostPath"] = false
	m["uri"] = nil
	m["sizeMb"] = nil
	m["owner"] = nullable(v.Owner)
	self := u.self("volumes", v.ID)
	mounts := make([]any, 0, len(v.Mounts))
	instances := make([]string, 0, len(v.Mounts))
	for _, mt := range v.Mounts {
		mounts = append(mounts, map[string]any{"type": "mount", "instanceId": mt.InstanceID,
			"instanceName": mt.InstanceName, "path": mt.Path, "permissions": mt.Permissions,
			"volumeId": v.ID, "volumeName": v.Name})
		instances = append(instances, mt.InstanceID)
	}
	m["mounts"] = mounts
	m["instanceIds"] = instances
	m["links"] = map[string]any{"self": self, "account": u.project()}
	var acts []string
	switch v.State {
	case "inactive", "detached":
		acts = []string{"remove"}
	}
	m["actions"] = actions(self, acts)
	return m
}

func (u urls) renderVolumeTemplate(vt emulator.VolumeTemplate) map[string]any {
	m := base(vt.Meta, "volumeTemplate")
	m["accountId"] = u.pid
	m["driver"] = nullable(vt.Driver)
	m["driverOpts"] = optionMap(vt.DriverOpts)
	m["external"] = vt.External
	m["perContainer"] = vt.PerContainer
	m["stackId"] = vt.StackID
	self := u.self("volumetemplates", vt.ID)
	m["links"] = map[string]any{"self": self, "account": u.project(),
		"stack": u.self("stacks", vt.StackID)}
	var acts []string
	if vt.Removed == nil {
		acts = []string{"remove"}
	}
	m["actions"] = actions(self, acts)
	return m
}

// stringMap reads an object of strings (driver options) out of a request body.
func stringMap(b map[string]any, k string) map[string]string {
	raw, _ := b[k].(map[string]any)
	if len(raw) == 0 {
		return nil
	}
	out := make(map[string]string, len(raw))
	for key, v := range raw {
		out[key] = asString(v)
	}
	return out
}

// optionMap renders driver options, null when there are none.
func optionMap(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	return m
}
