package engine

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// lc reads typed values out of a launch config decoded from JSON.
type lc map[string]any

func (m lc) str(k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (m lc) num(k string) int64 {
	switch v := m[k].(type) {
	case float64:
		return int64(v)
	case int:
		return int64(v)
	case int64:
		return v
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func (m lc) boolean(k string) bool {
	v, _ := m[k].(bool)
	return v
}

func (m lc) list(k string) []string {
	switch v := m[k].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case []string:
		return v
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	}
	return nil
}

func (m lc) strMap(k string) map[string]string {
	out := map[string]string{}
	switch v := m[k].(type) {
	case map[string]any:
		for key, val := range v {
			if val == nil {
				out[key] = ""
				continue
			}
			out[key] = fmt.Sprint(val)
		}
	case map[string]string:
		for key, val := range v {
			out[key] = val
		}
	}
	return out
}

// Image returns the Docker image reference of a launch config (imageUuid without "docker:").
func Image(launchConfig map[string]any) string {
	return strings.TrimPrefix(lc(launchConfig).str("imageUuid"), "docker:")
}

// dockerConfig converts a Cattle launch config into Docker's create structures.
func dockerConfig(spec Spec) (*container.Config, *container.HostConfig,
	*network.NetworkingConfig, error) {
	m := lc(spec.LaunchConfig)
	image := Image(spec.LaunchConfig)
	if image == "" {
		return nil, nil, nil, fmt.Errorf("launch config has no image (imageUuid)")
	}
	labels := m.strMap("labels")
	for k, v := range spec.Labels {
		labels[k] = v
	}
	cfg := &container.Config{
		Image:      image,
		Hostname:   m.str("hostname"),
		Domainname: m.str("domainName"),
		User:       m.str("user"),
		WorkingDir: m.str("workingDir"),
		Tty:        m.boolean("tty"),
		OpenStdin:  m.boolean("stdinOpen"),
		Env:        envList(m.strMap("environment")),
		Cmd:        m.list("command"),
		Entrypoint: m.list("entryPoint"),
		Labels:     labels,
		StopSignal: m.str("stopSignal"),
	}
	if t := int(m.num("stopTimeout")); t > 0 {
		cfg.StopTimeout = &t
	}
	exposed, bindings, err := portSpecs(append(m.list("ports"), m.list("expose")...),
		spec.BindHost, spec.ExtraBindHost)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.ExposedPorts = exposed

	host := &container.HostConfig{
		Binds:          m.list("dataVolumes"),
		VolumesFrom:    spec.VolumesFrom,
		PortBindings:   bindings,
		CapAdd:         withoutCaps(m.list("capAdd"), spec.CapDrop),
		CapDrop:        slices.Concat(m.list("capDrop"), spec.CapDrop),
		DNS:            m.list("dns"),
		DNSSearch:      append(append([]string{}, spec.DNSSearch...), m.list("dnsSearch")...),
		DNSOptions:     m.list("dnsOpt"),
		ExtraHosts:     m.list("extraHosts"),
		GroupAdd:       m.list("groupAdd"),
		SecurityOpt:    m.list("securityOpt"),
		Privileged:     m.boolean("privileged"),
		ReadonlyRootfs: m.boolean("readOnly"),
		Tmpfs:          m.strMap("tmpfs"),
		Sysctls:        m.strMap("sysctls"),
		ShmSize:        m.num("shmSize"),
		PidMode:        container.PidMode(m.str("pidMode")),
		IpcMode:        container.IpcMode(m.str("ipcMode")),
		UTSMode:        container.UTSMode(m.str("uts")),
	}
	host.Memory = m.num("memory")
	host.MemorySwap = m.num("memorySwap")
	host.MemoryReservation = m.num("memoryReservation")
	host.CPUShares = m.num("cpuShares")
	host.CPUQuota = m.num("cpuQuota")
	host.CPUPeriod = m.num("cpuPeriod")
	host.CpusetCpus = m.str("cpuSet")
	if m.boolean("runInit") {
		yes := true
		host.Init = &yes
	}
	if lcfg, ok := m["logConfig"].(map[string]any); ok {
		l := lc(lcfg)
		host.LogConfig = container.LogConfig{Type: l.str("driver"), Config: l.strMap("config")}
	}
	if spec.SecretsDir != "" {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind,
			Source: spec.SecretsDir, Target: "/run/secrets", ReadOnly: true})
	}
	if spec.HostsFile != "" {
		// Docker leaves out its own /etc/hosts when a mount takes its place.
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind,
			Source: spec.HostsFile, Target: "/etc/hosts"})
	}
	for _, d := range m.list("devices") {
		host.Devices = append(host.Devices, parseDevice(d))
	}

	netCfg, err := networkMode(m, spec, host)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, host, netCfg, nil
}

// networkMode applies the launch config's networkMode; "managed" (or empty) joins the
// environment's network under the spec's aliases.
func networkMode(m lc, spec Spec, host *container.HostConfig) (*network.NetworkingConfig,
	error) {
	mode := m.str("networkMode")
	switch {
	case mode == "" || mode == "managed":
		if spec.Network == "" {
			return nil, nil
		}
		host.NetworkMode = container.NetworkMode(spec.Network)
		ep := &network.EndpointSettings{Aliases: spec.Aliases, Links: spec.Links}
		if spec.IPv4Address != "" {
			ep.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: spec.IPv4Address}
		}
		return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			spec.Network: ep}}, nil
	case mode == "host" || mode == "none" || mode == "bridge":
		host.NetworkMode = container.NetworkMode(mode)
		return nil, nil
	case strings.HasPrefix(mode, "container:"):
		host.NetworkMode = container.NetworkMode(mode)
		return nil, nil
	case mode == "container" && spec.NetworkContainer != "":
		host.NetworkMode = container.NetworkMode("container:" + spec.NetworkContainer)
		return nil, nil
	}
	return nil, fmt.Errorf("networkMode %q is not supported (use managed, host, none, "+
		"bridge or container:NAME)", mode)
}

// withoutCaps drops from caps those named in drop, in any of Docker's spellings: Docker
// would let a capability added back win over its drop.
func withoutCaps(caps, drop []string) []string {
	norm := func(s string) string {
		return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "CAP_")
	}
	out := caps[:0:0]
	for _, c := range caps {
		if !slices.ContainsFunc(drop, func(d string) bool { return norm(d) == norm(c) }) {
			out = append(out, c)
		}
	}
	return out
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// portSpecs parses compose-style port strings: "8080", "60000:8080",
// "127.0.0.1:60000:8080/tcp". Ports without a host IP bind to bindHost, and to extraHost
// as well unless it is "" or bindHost already covers it (the same address, or every
// address). Ports that name a host IP bind to that one only.
func portSpecs(ports []string, bindHost, extraHost string) (nat.PortSet, nat.PortMap,
	error) {
	if extraHost == bindHost || IsWildcardHost(bindHost) {
		extraHost = ""
	}
	exposed := nat.PortSet{}
	bindings := nat.PortMap{}
	taken := map[string]string{} // proto/host port -> the entry that publishes it
	for _, raw := range ports {
		ip, hostPorts, ctrPorts, proto, err := splitPort(raw)
		if err != nil {
			return nil, nil, err
		}
		for _, hp := range hostPorts {
			key := proto + "/" + ip + ":" + hp
			if first, dup := taken[key]; dup && hp != "0" {
				return nil, nil, fmt.Errorf("port %q: host port %s is published twice (also "+
					"by %q); a host port can serve one container port", raw, hp, first)
			}
			taken[key] = raw
		}
		for i, ctrPort := range ctrPorts {
			p, err := nat.NewPort(proto, ctrPort)
			if err != nil {
				return nil, nil, fmt.Errorf("port %q: %w", raw, err)
			}
			exposed[p] = struct{}{}
			if len(hostPorts) == 0 {
				continue
			}
			hostPort := hostPorts[i]
			if ip != "" {
				bindings[p] = append(bindings[p], nat.PortBinding{HostIP: ip,
					HostPort: hostPort})
				continue
			}
			bindings[p] = append(bindings[p], nat.PortBinding{HostIP: bindHost,
				HostPort: hostPort})
			if extraHost != "" {
				bindings[p] = append(bindings[p], nat.PortBinding{HostIP: extraHost,
					HostPort: hostPort})
			}
		}
	}
	return exposed, bindings, nil
}

// IsWildcardHost reports whether a bind address stands for every address of the host, as
// Docker takes it ("" included).
func IsWildcardHost(host string) bool {
	switch strings.Trim(host, "[]") {
	case "", "0.0.0.0", "::":
		return true
	}
	return false
}

// splitPort reads [[IP:]HOST:]CONTAINER[/PROTO], where HOST and CONTAINER may be ranges
// (8000-8001:8080-8081) of one length, into one container port a line and, when
// published, the host port of each.
func splitPort(raw string) (ip string, hostPorts, ctrPorts []string, proto string,
	err error) {
	proto = "tcp"
	s := raw
	if i := strings.LastIndex(s, "/"); i >= 0 {
		proto, s = s[i+1:], s[:i]
	}
	var host, ctr string
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 1:
		ctr = parts[0]
	case 2:
		host, ctr = parts[0], parts[1]
	case 3:
		ip, host, ctr = parts[0], parts[1], parts[2]
	default:
		return "", nil, nil, "", fmt.Errorf("port %q: want [[IP:]HOST:]CONTAINER[/PROTO]",
			raw)
	}
	if ctr == "" {
		return "", nil, nil, "", fmt.Errorf("port %q: no container port", raw)
	}
	if ctrPorts, err = portRange(raw, ctr); err != nil {
		return "", nil, nil, "", err
	}
	if host == "" {
		return ip, nil, ctrPorts, proto, nil
	}
	if hostPorts, err = portRange(raw, host); err != nil {
		return "", nil, nil, "", err
	}
	if len(hostPorts) != len(ctrPorts) {
		return "", nil, nil, "", fmt.Errorf("port %q: the host range has %d ports and the "+
			"container range %d; give ranges of one length", raw, len(hostPorts),
			len(ctrPorts))
	}
	return ip, hostPorts, ctrPorts, proto, nil
}

// portRange reads a port (8080) or a range (8080-8081) into its ports.
func portRange(raw, s string) ([]string, error) {
	loText, hiText, isRange := strings.Cut(s, "-")
	lo, lerr := strconv.ParseUint(loText, 10, 16)
	hi, herr := lo, error(nil)
	if isRange {
		hi, herr = strconv.ParseUint(hiText, 10, 16)
	}
	if lerr != nil || herr != nil || (isRange && lo == 0) || hi < lo {
		return nil, fmt.Errorf("port %q: %q is not a port number or a range like 8000-8001",
			raw, s)
	}
	out := make([]string, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		out = append(out, strconv.FormatUint(n, 10))
	}
	return out, nil
}

func parseDevice(s string) container.DeviceMapping {
	parts := strings.Split(s, ":")
	d := container.DeviceMapping{PathOnHost: parts[0], PathInContainer: parts[0],
		CgroupPermissions: "rwm"}
	if len(parts) > 1 {
		d.PathInContainer = parts[1]
	}
	if len(parts) > 2 {
		d.CgroupPermissions = parts[2]
	}
	return d
}

// stopTimeout is the grace period used when none is configured.
const stopTimeout = 10 * time.Second
