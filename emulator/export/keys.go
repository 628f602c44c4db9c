package export

// renamed are the launch-config keys whose value is the compose value, under another
// name (cattle-api.md 7.6 and 7.8, read backwards).
var renamed = map[string]string{
	"hostname":                     "hostname",
	"domainName":                   "domainname",
	"user":                         "user",
	"workingDir":                   "working_dir",
	"tty":                          "tty",
	"stdinOpen":                    "stdin_open",
	"privileged":                   "privileged",
	"readOnly":                     "read_only",
	"runInit":                      "init",
	"stopSignal":                   "stop_signal",
	"command":                      "command",
	"entryPoint":                   "entrypoint",
	"environment":                  "environment",
	"ports":                        "ports",
	"expose":                       "expose",
	"dataVolumes":                  "volumes",
	"dataVolumesFromLaunchConfigs": "volumes_from",
	"capAdd":                       "cap_add",
	"capDrop":                      "cap_drop",
	"dns":                          "dns",
	"dnsSearch":                    "dns_search",
	"dnsOpt":                       "dns_opt",
	"extraHosts":                   "extra_hosts",
	"groupAdd":                     "group_add",
	"securityOpt":                  "security_opt",
	"devices":                      "devices",
	"sysctls":                      "sysctls",
	"memory":                       "mem_limit",
	"memorySwap":                   "memswap_limit",
	"memoryReservation":            "mem_reservation",
	"memorySwappiness":             "mem_swappiness",
	"shmSize":                      "shm_size",
	"cpuShares":                    "cpu_shares",
	"cpuSet":                       "cpuset",
	"cpuPeriod":                    "cpu_period",
	"cpuQuota":                     "cpu_quota",
	"blkioWeight":                  "blkio_weight",
	"cgroupParent":                 "cgroup_parent",
	"pidMode":                      "pid",
	"ipcMode":                      "ipc",
	"uts":                          "uts",
	"isolation":                    "isolation",
	"oomScoreAdj":                  "oom_score_adj",
	"oomKillDisable":               "oom_kill_disable",
	"volumeDriver":                 "volume_driver",
	"milliCpuReservation":          "milli_cpu_reservation",
}

// rancherLaunchKeys are launch-config keys that the CLI fills from rancher-compose keys of
// the same compose service (cattle-api.md 7.7): virtual-machine settings and the drain
// timeout of load balancers. healthCheck is handled on its own.
var rancherLaunchKeys = map[string]string{
	"kind":           "type",
	"vcpu":           "vcpu",
	"userdata":       "userdata",
	"memoryMb":       "memory",
	"disks":          "disks",
	"drainTimeoutMs": "drain_timeout_ms",
}

// blkioKeys are the per-device block IO fields of blkioDeviceOptions and the compose keys
// that set them, each a mapping from device path to value.
var blkioKeys = map[string]string{
	"weight":    "blkio_weight_device",
	"readBps":   "device_read_bps",
	"writeBps":  "device_write_bps",
	"readIops":  "device_read_iops",
	"writeIops": "device_write_iops",
}

// Labels with a meaning for the export.
const (
	hashLabel       = "io.rancher.service.hash"
	sidekickLabel   = "io.rancher.sidekicks"
	globalLabel     = "io.rancher.scheduler.global"
	selContainerLbl = "io.rancher.service.selector.container"
	selLinkLabel    = "io.rancher.service.selector.link"
)

// Images that select a service kind when the CLI reads the file back (cattle-api.md 7.4).
const (
	dnsImage      = "rancher/dns-service"
	externalImage = "rancher/external-service"
	lbImage       = "rancher/lb-service-haproxy"
)
