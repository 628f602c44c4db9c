package compose

// rancherServiceKeys are the service keys the 1.6 CLI accepted in a
// docker-compose.yml that the compose spec rejects or means differently
// (cattle-semantics.md 5.1 and 5.2). They are taken out before compose-go
// validates the file and applied to the launch config by this package.
var rancherServiceKeys = map[string]bool{
	// rancher-compose.yml keys, allowed in either file.
	"scale":                true,
	"scale_policy":         true,
	"health_check":         true,
	"upgrade_strategy":     true,
	"retain_ip":            true,
	"metadata":             true,
	"lb_config":            true,
	"load_balancer_config": true,
	"external_ips":         true,
	"drain_timeout_ms":     true,
	"start_on_create":      true,
	"default_cert":         true,
	"certs":                true,
	"storage_driver":       true,
	"network_driver":       true,
	"type":                 true,
	"vcpu":                 true,
	"memory":               true,
	"userdata":             true,
	"disks":                true,
	// compose v1/v2 keys the compose spec dropped.
	"net":                   true,
	"volume_driver":         true,
	"log_driver":            true,
	"log_opt":               true,
	"milli_cpu_reservation": true,
}

// rancherFileKeys are the rancher-compose.yml keys this package applies;
// the CLI ignored every other key there, and so do we.
var rancherFileKeys = map[string]bool{
	"scale":                 true,
	"scale_policy":          true,
	"health_check":          true,
	"upgrade_strategy":      true,
	"retain_ip":             true,
	"metadata":              true,
	"lb_config":             true,
	"load_balancer_config":  true,
	"external_ips":          true,
	"hostname":              true,
	"drain_timeout_ms":      true,
	"start_on_create":       true,
	"default_cert":          true,
	"certs":                 true,
	"storage_driver":        true,
	"network_driver":        true,
	"type":                  true,
	"vcpu":                  true,
	"memory":                true,
	"userdata":              true,
	"disks":                 true,
	"milli_cpu_reservation": true,
}
