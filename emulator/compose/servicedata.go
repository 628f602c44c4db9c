package compose

// serviceData is what the compose files say about a service beyond what
// compose-go keeps: the Rancher-only keys and the raw strings the CLI
// sends verbatim.
type serviceData struct {
	rancher     map[string]any      // Rancher-only keys, interpolated
	origin      map[string]*yamlDoc // file that set each Rancher key
	ports       []string            // raw compose ports strings
	expose      []string            // raw compose expose strings
	links       []Link
	volumesFrom []string
	secrets     []map[string]any // secret references, in file order
}

func newServiceData() *serviceData {
	return &serviceData{rancher: map[string]any{}, origin: map[string]*yamlDoc{}}
}

// merge lays a later file's view of the service over d: keys override,
// lists accumulate without duplicates, secrets are matched by source.
func (d *serviceData) merge(later *serviceData) {
	for k, v := range later.rancher {
		d.rancher[k] = v
		d.origin[k] = later.origin[k]
	}
	d.ports = appendNew(d.ports, later.ports...)
	d.expose = appendNew(d.expose, later.expose...)
	d.volumesFrom = appendNew(d.volumesFrom, later.volumesFrom...)
	for _, l := range later.links {
		if !containsLink(d.links, l) {
			d.links = append(d.links, l)
		}
	}
	for _, s := range later.secrets {
		replaced := false
		for i, old := range d.secrets {
			if old["source"] == s["source"] {
				d.secrets[i] = s
				replaced = true
			}
		}
		if !replaced {
			d.secrets = append(d.secrets, s)
		}
	}
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, have := range list {
			if have == it {
				found = true
				break
			}
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}

func containsLink(list []Link, l Link) bool {
	for _, have := range list {
		if have == l {
			return true
		}
	}
	return false
}

// volumeData is what a top-level volume says beyond compose-go.
type volumeData struct {
	driver       string
	driverOpts   map[string]string
	perContainer *bool
}
