package compose

import (
	"fmt"
	"maps"
	"slices"
)

// location is where a key was written.
type location struct {
	doc *yamlDoc
	key string
}

// settings are a service's Rancher keys read from every file, with
// rancher-compose.yml applied last (cattle-semantics.md 5.1).
type settings struct {
	scale         int
	retainIP      bool
	startOnCreate *bool
	startFirst    bool
	metadata      map[string]any
	healthCheck   map[string]any
	scalePolicy   map[string]any
	lbConfig      map[string]any
	externalIPs   []string
	hostname      string
	defaultCert   string
	certs         []string
	net           string
	logDriver     string
	logOpt        map[string]string
	// launch are launch-config keys the CLI sets from compose keys
	// (cattle-api.md 7.7): volumeDriver, milliCpuReservation, kind, ...
	launch map[string]any
}

// gatherSettings merges the Rancher keys of service name from the compose
// files (d) and from rancher-compose.yml (rf, may be nil), then reads them.
func gatherSettings(name string, d *serviceData, rf *rancherFile) (*settings, error) {
	values := map[string]any{}
	where := map[string]location{}
	for k, v := range d.rancher {
		values[k] = v
		where[k] = location{d.origin[k], "services." + name + "." + k}
	}
	if rf != nil {
		for k, v := range rf.services[name] {
			values[k] = v
			where[k] = location{rf.yamlDoc, rf.prefix + name + "." + k}
		}
	}
	r := &reader{values: values, where: where}
	s := r.read()
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// reader reads typed values and keeps the first error, located in its file.
type reader struct {
	values map[string]any
	where  map[string]location
	err    error
}

func (r *reader) fail(key string, err error) {
	if r.err == nil && err != nil {
		l := r.where[key]
		r.err = l.doc.errAt(l.key, err.Error(), nil)
	}
}

func (r *reader) has(key string) bool {
	v, ok := r.values[key]
	return ok && v != nil
}

func (r *reader) boolean(key string) bool {
	if !r.has(key) {
		return false
	}
	b, err := asBool(r.values[key])
	r.fail(key, err)
	return b
}

func (r *reader) integer(key string) int {
	if !r.has(key) {
		return 0
	}
	n, err := asInt(r.values[key])
	r.fail(key, err)
	return n
}

func (r *reader) str(key string) string {
	if !r.has(key) {
		return ""
	}
	s, ok := scalarString(r.values[key])
	if !ok {
		r.fail(key, fmt.Errorf("must be a string, not %s", kindOf(r.values[key])))
	}
	return s
}

func (r *reader) mapping(key string) map[string]any {
	if !r.has(key) {
		return nil
	}
	m, ok := r.values[key].(map[string]any)
	if !ok {
		r.fail(key, fmt.Errorf("must be a mapping, not %s", kindOf(r.values[key])))
	}
	return m
}

func (r *reader) list(key string) []string {
	l, err := stringList(r.values[key])
	r.fail(key, err)
	return l
}

func (r *reader) read() *settings {
	s := &settings{launch: map[string]any{}}
	// QUIRK: the CLI creates a service with a scale of 0 or less as 1
	// (cattle-semantics.md 5.3).
	s.scale = r.integer("scale")
	if s.scale <= 0 {
		s.scale = 1
	}
	s.retainIP = r.boolean("retain_ip")
	if r.has("start_on_create") {
		b := r.boolean("start_on_create")
		s.startOnCreate = &b
	}
	if us := r.mapping("upgrade_strategy"); us != nil && us["start_first"] != nil {
		b, err := asBool(us["start_first"])
		r.fail("upgrade_strategy", err)
		s.startFirst = b
	}
	s.metadata = r.mapping("metadata")
	if hc := r.mapping("health_check"); hc != nil {
		s.healthCheck = camelKeys(hc).(map[string]any)
		numbersIn(s.healthCheck, "port", "interval", "unhealthyThreshold",
			"healthyThreshold", "responseTimeout", "initializingTimeout",
			"reinitializingTimeout")
	}
	if sp := r.mapping("scale_policy"); sp != nil {
		s.scalePolicy = camelKeys(sp).(map[string]any)
		numbersIn(s.scalePolicy, "min", "max", "increment")
	}
	if lb := r.mapping("lb_config"); lb != nil {
		s.lbConfig = camelKeys(lb).(map[string]any)
	}
	s.externalIPs = r.list("external_ips")
	s.hostname = r.str("hostname")
	r.checkExternal(s)
	s.defaultCert = r.str("default_cert")
	s.certs = r.list("certs")
	s.net = r.str("net")
	s.logDriver = r.str("log_driver")
	if lo := r.mapping("log_opt"); lo != nil {
		s.logOpt = map[string]string{}
		for k, v := range lo {
			s.logOpt[k], _ = scalarString(v)
		}
	}
	r.readLaunchKeys(s)
	for _, k := range []string{"network_driver", "storage_driver"} {
		if r.has(k) {
			r.fail(k, fmt.Errorf("driver services (network and storage plugins) are not "+
				"emulated by spinlocal; remove %s", k))
		}
	}
	return s
}

// readLaunchKeys reads the compose keys the CLI copies into the launch
// config after the transform (cattle-api.md 7.7).
func (r *reader) readLaunchKeys(s *settings) {
	strs := map[string]string{"volume_driver": "volumeDriver", "type": "kind",
		"userdata": "userdata"}
	for _, key := range slices.Sorted(maps.Keys(strs)) {
		field := strs[key]
		if v := r.str(key); v != "" {
			s.launch[field] = v
		}
	}
	ints := map[string]string{"milli_cpu_reservation": "milliCpuReservation",
		"vcpu": "vcpu", "memory": "memoryMb", "drain_timeout_ms": "drainTimeoutMs"}
	for _, key := range slices.Sorted(maps.Keys(ints)) {
		field := ints[key]
		if n := r.integer(key); n != 0 {
			s.launch[field] = n
		}
	}
	if r.has("disks") {
		s.launch["disks"] = camelKeys(r.values["disks"])
	}
}
