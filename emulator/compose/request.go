package compose

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/spinlocal/spinlocal/emulator/transform"
)

// dockerRequest builds the scripts/transform request the CLI would send
// for a service: its Docker Engine container Config and HostConfig.
func dockerRequest(s *types.ServiceConfig, st *settings) *transform.Request {
	r := &transform.Request{Name: "/" + s.Name}
	c, h := &r.Config, &r.HostConfig

	c.Hostname = s.Hostname
	c.Domainname = s.DomainName
	c.User = s.User
	c.WorkingDir = s.WorkingDir
	c.Tty = s.Tty
	c.OpenStdin = s.StdinOpen
	c.Env = envList(s.Environment)
	c.Cmd = transform.StrList(s.Command)
	c.Entrypoint = transform.StrList(s.Entrypoint)
	c.Image = s.Image
	c.StopSignal = s.StopSignal
	if s.StopGracePeriod != nil {
		secs := int64(time.Duration(*s.StopGracePeriod) / time.Second)
		c.StopTimeout = &secs
	}
	if len(s.Labels) > 0 {
		c.Labels = map[string]any{}
		for k, v := range s.Labels {
			c.Labels[k] = v
		}
	}
	c.ExposedPorts, h.PortBindings = portBindings(s.Ports, s.Expose)
	c.Volumes, h.Binds, h.Tmpfs = volumeMounts(s.Volumes)

	h.LogConfig = logConfig(s, st)
	h.RestartPolicy = restartPolicy(s.Restart)
	hostSettings(h, s)
	return r
}

// hostSettings copies the flat HostConfig fields.
func hostSettings(h *transform.HostConfig, s *types.ServiceConfig) {
	h.CapAdd = s.CapAdd
	h.CapDrop = s.CapDrop
	h.DNS = s.DNS
	h.DNSSearch = s.DNSSearch
	h.DNSOptions = s.DNSOpts
	h.ExtraHosts = s.ExtraHosts.AsList(":")
	sort.Strings(h.ExtraHosts)
	h.GroupAdd = s.GroupAdd
	h.SecurityOpt = s.SecurityOpt
	h.Privileged = s.Privileged
	h.ReadonlyRootfs = s.ReadOnly
	h.Init = s.Init
	for _, d := range s.Devices {
		h.Devices = append(h.Devices, transform.DeviceMapping{
			PathOnHost: d.Source, PathInContainer: d.Target, CgroupPermissions: d.Permissions})
	}
	for _, t := range s.Tmpfs {
		path, opts, _ := strings.Cut(t, ":")
		if h.Tmpfs == nil {
			h.Tmpfs = map[string]string{}
		}
		h.Tmpfs[path] = opts
	}
	h.Sysctls = s.Sysctls
	h.IpcMode = s.Ipc
	h.PidMode = s.Pid
	h.UTSMode = s.Uts
	h.Isolation = s.Isolation
	h.OomScoreAdj = s.OomScoreAdj
	if s.OomKillDisable {
		h.OomKillDisable = &s.OomKillDisable
	}
	h.ShmSize = int64(s.ShmSize)
	for _, name := range slices.Sorted(maps.Keys(s.Ulimits)) {
		u := s.Ulimits[name]
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		h.Ulimits = append(h.Ulimits, transform.Ulimit{Name: name, Soft: int64(soft),
			Hard: int64(hard)})
	}
	resources(&h.Resources, s)
}

func resources(r *transform.Resources, s *types.ServiceConfig) {
	r.CPUShares = s.CPUShares
	r.CPUPeriod = s.CPUPeriod
	r.CPUQuota = s.CPUQuota
	r.CpusetCpus = s.CPUSet
	r.CgroupParent = s.CgroupParent
	r.Memory = int64(s.MemLimit)
	r.MemorySwap = int64(s.MemSwapLimit)
	r.MemoryReservation = int64(s.MemReservation)
	if s.MemSwappiness != 0 {
		sw := int64(s.MemSwappiness)
		r.MemorySwappiness = &sw
	}
	b := s.BlkioConfig
	if b == nil {
		return
	}
	r.BlkioWeight = int64(b.Weight)
	for _, d := range b.WeightDevice {
		r.BlkioWeightDevice = append(r.BlkioWeightDevice,
			transform.WeightDevice{Path: d.Path, Weight: int64(d.Weight)})
	}
	throttle := func(in []types.ThrottleDevice) []transform.ThrottleDevice {
		var out []transform.ThrottleDevice
		for _, d := range in {
			out = append(out, transform.ThrottleDevice{Path: d.Path, Rate: int64(d.Rate)})
		}
		return out
	}
	r.BlkioDeviceReadBps = throttle(b.DeviceReadBps)
	r.BlkioDeviceWriteBps = throttle(b.DeviceWriteBps)
	r.BlkioDeviceReadIOps = throttle(b.DeviceReadIOps)
	r.BlkioDeviceWriteIOps = throttle(b.DeviceWriteIOps)
}

// envList renders the resolved environment as sorted K=V entries; names
// left without a value (unset bare names) are dropped, as the CLI did.
func envList(env types.MappingWithEquals) []string {
	var list []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if v := env[k]; v != nil {
			list = append(list, k+"="+*v)
		}
	}
	return list
}

// portBindings renders ports and expose as Docker's ExposedPorts and
// PortBindings.
func portBindings(ports []types.ServicePortConfig, expose types.StringOrNumberList,
) (map[string]json.RawMessage, map[string][]transform.PortBinding) {
	exposed := map[string]json.RawMessage{}
	bindings := map[string][]transform.PortBinding{}
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		key := fmt.Sprintf("%d/%s", p.Target, proto)
		exposed[key] = json.RawMessage("{}")
		bindings[key] = append(bindings[key],
			transform.PortBinding{HostIP: p.HostIP, HostPort: p.Published})
	}
	for _, e := range expose {
		if !strings.Contains(e, "/") {
			e += "/tcp"
		}
		exposed[e] = json.RawMessage("{}")
	}
	return exposed, bindings
}

// volumeMounts splits volumes the way Docker's API wants them: anonymous
// volumes in Config.Volumes, binds and named volumes as HostConfig.Binds
// (host paths already absolute), tmpfs mounts in HostConfig.Tmpfs.
func volumeMounts(vols []types.ServiceVolumeConfig,
) (map[string]json.RawMessage, []string, map[string]string) {
	anon := map[string]json.RawMessage{}
	var binds []string
	tmpfs := map[string]string{}
	for _, v := range vols {
		switch {
		case v.Type == types.VolumeTypeTmpfs:
			opts := ""
			if v.Tmpfs != nil && v.Tmpfs.Size != 0 {
				opts = "size=" + strconv.FormatInt(int64(v.Tmpfs.Size), 10)
			}
			tmpfs[v.Target] = opts
		case v.Type == types.VolumeTypeVolume && v.Source == "":
			anon[v.Target] = json.RawMessage("{}")
		case v.Type == types.VolumeTypeVolume || v.Type == types.VolumeTypeBind:
			binds = append(binds, bindSpec(v))
		}
	}
	return anon, binds, tmpfs
}

func bindSpec(v types.ServiceVolumeConfig) string {
	var opts []string
	if v.ReadOnly {
		opts = append(opts, "ro")
	}
	if v.Bind != nil {
		if v.Bind.SELinux != "" {
			opts = append(opts, v.Bind.SELinux)
		}
		if v.Bind.Propagation != "" {
			opts = append(opts, v.Bind.Propagation)
		}
	}
	if v.Volume != nil && v.Volume.NoCopy {
		opts = append(opts, "nocopy")
	}
	spec := v.Source + ":" + v.Target
	if len(opts) > 0 {
		spec += ":" + strings.Join(opts, ",")
	}
	return spec
}

// logConfig takes logging, or the version 1 log_driver and log_opt.
func logConfig(s *types.ServiceConfig, st *settings) transform.LogConfig {
	if s.Logging != nil && (s.Logging.Driver != "" || len(s.Logging.Options) > 0) {
		return transform.LogConfig{Type: s.Logging.Driver, Config: s.Logging.Options}
	}
	return transform.LogConfig{Type: st.logDriver, Config: st.logOpt}
}

// restartPolicy parses "on-failure:3" into a name and a retry count.
func restartPolicy(restart string) transform.RestartPolicy {
	name, count, _ := strings.Cut(restart, ":")
	n, _ := strconv.ParseInt(count, 10, 64)
	return transform.RestartPolicy{Name: name, MaximumRetryCount: n}
}
