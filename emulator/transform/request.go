package transform

import (
	"encoding/json"
	"fmt"
)

// Request is the body the Rancher CLI posts to scripts/transform: a container
// name and the Docker Engine API Config and HostConfig of one launch config.
// Only the fields the conversion reads are declared; JSON keys match Docker's
// (case-insensitively, as encoding/json does).
type Request struct {
	Name       string
	Config     Config
	HostConfig HostConfig
}

// Config holds the fields of Docker's container Config that reach a launch
// config.
type Config struct {
	Hostname     string
	Domainname   string
	User         string
	ExposedPorts map[string]json.RawMessage
	Tty          bool
	OpenStdin    bool
	Env          []string
	Cmd          StrList
	Image        string
	Volumes      map[string]json.RawMessage
	WorkingDir   string
	Entrypoint   StrList
	Labels       map[string]any
	StopSignal   string
	StopTimeout  *int64
}

// HostConfig holds the fields of Docker's HostConfig (including its embedded
// Resources) that reach a launch config.
type HostConfig struct {
	Binds           []string
	LogConfig       LogConfig
	NetworkMode     string
	PortBindings    map[string][]PortBinding
	RestartPolicy   RestartPolicy
	VolumesFrom     []string
	Links           []string
	CapAdd          StrList
	CapDrop         StrList
	DNS             []string `json:"Dns"`
	DNSOptions      []string `json:"DnsOptions"`
	DNSSearch       []string `json:"DnsSearch"`
	ExtraHosts      []string
	GroupAdd        []string
	SecurityOpt     []string
	Privileged      bool
	PublishAllPorts bool
	ReadonlyRootfs  bool
	Init            *bool
	Devices         []DeviceMapping
	Tmpfs           map[string]string
	Sysctls         map[string]string
	IpcMode         string
	PidMode         string
	UTSMode         string
	Isolation       string
	OomScoreAdj     int64
	OomKillDisable  *bool
	ShmSize         int64
	Ulimits         []Ulimit
	Resources
}

// Resources is the resource block Docker embeds in HostConfig.
type Resources struct {
	CPUShares            int64  `json:"CpuShares"`
	CPUPeriod            int64  `json:"CpuPeriod"`
	CPUQuota             int64  `json:"CpuQuota"`
	CpusetCpus           string `json:"CpusetCpus"`
	CpusetMems           string `json:"CpusetMems"`
	CgroupParent         string
	BlkioWeight          int64
	BlkioWeightDevice    []WeightDevice
	BlkioDeviceReadBps   []ThrottleDevice
	BlkioDeviceWriteBps  []ThrottleDevice
	BlkioDeviceReadIOps  []ThrottleDevice
	BlkioDeviceWriteIOps []ThrottleDevice
	Memory               int64
	MemorySwap           int64
	MemoryReservation    int64
	MemorySwappiness     *int64
	KernelMemory         int64
}

// LogConfig is Docker's logging driver and its options.
type LogConfig struct {
	Type   string
	Config map[string]string
}

// RestartPolicy is Docker's restart policy.
type RestartPolicy struct {
	Name              string
	MaximumRetryCount int64
}

// PortBinding is one host binding of a container port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

// DeviceMapping is one device made available to the container.
type DeviceMapping struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string
}

// Ulimit is one resource limit.
type Ulimit struct {
	Name string
	Soft int64
	Hard int64
}

// WeightDevice is a relative block IO weight for one device.
type WeightDevice struct {
	Path   string
	Weight int64
}

// ThrottleDevice is a block IO rate limit for one device.
type ThrottleDevice struct {
	Path string
	Rate int64
}

// StrList is a list of strings that, like Docker's strslice, also accepts a
// single JSON string (a one-element list) and null (an empty list).
type StrList []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *StrList) UnmarshalJSON(b []byte) error {
	if describeJSON(b) == "null" {
		*s = nil
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = StrList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", describeJSON(b))
	}
	*s = many
	return nil
}

// describeJSON names the kind of a JSON value for error messages.
func describeJSON(b []byte) string {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return "an object"
		case '[':
			return "a list"
		case '"':
			return "a string"
		case 't', 'f':
			return "a boolean"
		case 'n':
			return "null"
		default:
			return "a number"
		}
	}
	return "nothing"
}
