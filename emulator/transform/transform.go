package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LaunchConfig decodes a scripts/transform request body and converts it
// into a Cattle launch config. The error says what is wrong with the body
// when it is not a request the CLI could have sent.
func LaunchConfig(req []byte) (map[string]any, error) {
	r, err := Decode(req)
	if err != nil {
		return nil, err
	}
	return Convert(r), nil
}

// Decode parses a scripts/transform request body.
func Decode(body []byte) (*Request, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("transform request: empty body, want a JSON object")
	}
	if k := describeJSON(body); k != "an object" {
		return nil, fmt.Errorf("transform request: body is %s, want a JSON object", k)
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var r Request
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("transform request: %w", explainJSON(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("transform request: unexpected data after the JSON object")
	}
	return &r, nil
}

// explainJSON rewords the decoder's errors so they name the offending field
// or the byte offset; the original error stays reachable through Unwrap.
func explainJSON(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &decodeError{fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn), err}
	case errors.As(err, &typ):
		// Docker embeds Resources in HostConfig; users know the flat name.
		field := strings.ReplaceAll(typ.Field, "Resources.", "")
		if field == "" {
			field = "(top level)"
		}
		msg := fmt.Sprintf("field %s: got JSON %s, want %s", field, typ.Value, typ.Type)
		return &decodeError{msg, err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &decodeError{"truncated JSON", err}
	}
	return err
}

// decodeError is a decoding failure described for the client.
type decodeError struct {
	msg string
	err error
}

func (e *decodeError) Error() string { return e.msg }
func (e *decodeError) Unwrap() error { return e.err }

// Convert turns a decoded request into a launch config. Empty strings, zero
// numbers, false and empty lists or maps are left out; logConfig, command
// and entryPoint are always present because the CLI dereferences them.
// Lists built from JSON objects are sorted so the result (and the config
// hash the CLI computes from it) is deterministic.
func Convert(r *Request) map[string]any {
	c, h := &r.Config, &r.HostConfig
	lc := out{}

	lc.str("name", strings.TrimPrefix(r.Name, "/"))
	lc.str("imageUuid", imageUUID(c.Image))
	lc.str("hostname", c.Hostname)
	lc.str("domainName", c.Domainname)
	lc.str("user", c.User)
	lc.str("workingDir", c.WorkingDir)
	lc.flag("tty", c.Tty)
	lc.flag("stdinOpen", c.OpenStdin)
	lc.strMap("environment", environment(c.Env))
	lc["command"] = nonNil(c.Cmd)
	lc["entryPoint"] = nonNil(c.Entrypoint)
	lc.strMap("labels", labels(c.Labels))
	lc.str("stopSignal", c.StopSignal)
	if c.StopTimeout != nil {
		lc.num("stopTimeout", *c.StopTimeout)
	}
	lc.list("dataVolumes", dataVolumes(c.Volumes, h.Binds))
	lc.list("ports", ports(c.ExposedPorts, h.PortBindings))
	lc["logConfig"] = logConfig(h.LogConfig)
	if h.RestartPolicy.Name != "" {
		lc["restartPolicy"] = map[string]any{
			"name":              h.RestartPolicy.Name,
			"maximumRetryCount": h.RestartPolicy.MaximumRetryCount,
		}
	}
	convertHost(lc, h)
	return lc
}

// convertHost copies the flat HostConfig fields.
func convertHost(lc out, h *HostConfig) {
	lc.flag("privileged", h.Privileged)
	lc.flag("publishAllPorts", h.PublishAllPorts)
	lc.flag("readOnly", h.ReadonlyRootfs)
	lc.flag("runInit", h.Init != nil && *h.Init)
	lc.list("capAdd", h.CapAdd)
	lc.list("capDrop", h.CapDrop)
	lc.list("dns", h.DNS)
	lc.list("dnsSearch", h.DNSSearch)
	lc.list("dnsOpt", h.DNSOptions)
	lc.list("extraHosts", h.ExtraHosts)
	lc.list("groupAdd", h.GroupAdd)
	lc.list("securityOpt", h.SecurityOpt)
	lc.list("devices", devices(h.Devices))
	lc.strMap("tmpfs", h.Tmpfs)
	lc.strMap("sysctls", h.Sysctls)
	lc.num("memory", h.Memory)
	lc.num("memorySwap", h.MemorySwap)
	lc.num("memoryReservation", h.MemoryReservation)
	if h.MemorySwappiness != nil {
		lc.num("memorySwappiness", *h.MemorySwappiness)
	}
	lc.num("kernelMemory", h.KernelMemory)
	lc.num("shmSize", h.ShmSize)
	lc.num("cpuShares", h.CPUShares)
	lc.str("cpuSet", h.CpusetCpus)
	lc.str("cpuSetMems", h.CpusetMems)
	lc.num("cpuPeriod", h.CPUPeriod)
	lc.num("cpuQuota", h.CPUQuota)
	lc.num("blkioWeight", h.BlkioWeight)
	lc.str("cgroupParent", h.CgroupParent)
	lc.str("pidMode", h.PidMode)
	lc.str("ipcMode", h.IpcMode)
	lc.str("uts", h.UTSMode)
	lc.str("isolation", h.Isolation)
	lc.num("oomScoreAdj", h.OomScoreAdj)
	lc.flag("oomKillDisable", h.OomKillDisable != nil && *h.OomKillDisable)
	if u := ulimits(h.Ulimits); len(u) > 0 {
		lc["ulimits"] = u
	}
	if b := blkioOptions(&h.Resources); len(b) > 0 {
		lc["blkioDeviceOptions"] = b
	}
	lc.str("networkMode", h.NetworkMode)
}

// imageUUID prefixes a Docker image name the way Cattle stores it.
func imageUUID(image string) string {
	if image == "" || strings.HasPrefix(image, "docker:") || strings.HasPrefix(image, "sim:") {
		return image
	}
	return "docker:" + image
}

// logConfig is never omitted and its config is never null: the CLI writes
// into logConfig.config without checking (cattle-api.md 7.6).
func logConfig(l LogConfig) map[string]any {
	cfg := map[string]any{}
	for k, v := range l.Config {
		cfg[k] = v
	}
	return map[string]any{"driver": l.Type, "config": cfg}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
