package emulator

import (
	"fmt"
	"slices"
	"time"
)

// noImage is the image the CLI sends for a sidekick an upgrade removes.
const noImage = "rancher/none"

// UpgradeInput is the inServiceStrategy of an upgrade action.
type UpgradeInput struct {
	BatchSize      int
	IntervalMillis int
	StartFirst     bool
	LaunchConfig   map[string]any
	Secondary      []map[string]any
	HasStrategy    bool
}

// UpgradeService starts an in-service upgrade: the new launch configs replace the old ones
// at once (so the next `up` sees their hash), the old ones are kept for rollback, and the
// reconciler replaces the containers batch by batch.
func (e *Emulator) UpgradeService(caller Caller, pid, id string, in UpgradeInput) (Service,
	error) {
	if !in.HasStrategy {
		return Service{}, invalid("MissingRequired", "Upgrade strategy needs to be set", "")
	}
	if in.LaunchConfig == nil && len(in.Secondary) == 0 {
		return Service{}, invalid("InvalidOption", "LaunchConfig/secondaryLaunchConfigs "+
			"need to be specified for inService strategy", "")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	svc, err := e.changeService(caller, pid, id)
	if err != nil {
		return Service{}, err
	}
	if !allows(svc.Type, svc.State, "upgrade") {
		return Service{}, actionNotAvailable("upgrade")
	}
	if err := e.writable(pid); err != nil {
		return Service{}, err
	}
	nextLC := svc.LaunchConfig
	if in.LaunchConfig != nil {
		nextLC = in.LaunchConfig
	}
	stackName := ""
	if st, ok := e.stacks[svc.StackID]; ok {
		stackName = st.Name
	}
	err = e.auditService(caller, stackName, svc.Name, nextLC,
		mergeSecondary(svc.Secondary, in.Secondary))
	if err != nil {
		return Service{}, err
	}
	if in.StartFirst && svc.RetainIP {
		return Service{}, invalid("InvalidOption", "StartFirst option can't be used for "+
			"service with retainIp field set", "")
	}
	for _, sk := range in.Secondary {
		name, _ := sk["name"].(string)
		if err := validServiceName(name); err != nil {
			return Service{}, err
		}
	}
	if in.BatchSize <= 0 {
		in.BatchSize = 1
	}
	if in.IntervalMillis < 0 {
		in.IntervalMillis = 0
	}
	svc.Upgrade = &Upgrade{BatchSize: in.BatchSize, IntervalMillis: in.IntervalMillis,
		StartFirst: in.StartFirst, LaunchConfig: in.LaunchConfig, Secondary: in.Secondary,
		PreviousLaunchConf: svc.LaunchConfig, PreviousSecondary: svc.Secondary}
	if in.LaunchConfig != nil {
		svc.LaunchConfig = withVersion(in.LaunchConfig)
	}
	svc.Secondary = mergeSecondary(svc.Secondary, in.Secondary)
	svc.NextBatchAt = time.Time{}
	svc.Failures, svc.RetryAt = 0, time.Time{}
	setState(&svc.Meta, "upgrading", "")
	if err := e.put(svc); err != nil {
		return Service{}, err
	}
	e.Kick()
	return *svc, nil
}

// finishUpgrade and rollback are the two ways out of "upgraded". Callers hold e.mu.
func (e *Emulator) finishUpgrade(svc *Service) {
	setState(&svc.Meta, "finishing-upgrade", "")
}

func (e *Emulator) rollback(svc *Service) error {
	if svc.Upgrade == nil {
		return invalid("InvalidState", "state", "no upgrade to roll back")
	}
	svc.LaunchConfig = svc.Upgrade.PreviousLaunchConf
	svc.Secondary = svc.Upgrade.PreviousSecondary
	// A rollback out of a failed upgrade ends that failure: the new containers go and
	// the old ones start at once, without the failure's backoff.
	svc.ErrorDuring, svc.Failures, svc.RetryAt = "", 0, time.Time{}
	setState(&svc.Meta, "rolling-back", "")
	return nil
}

// RollbackService runs the rollback action: the service gets its launch configs from
// before the upgrade back, the new containers are removed and the old ones started again.
// It is available in the states Cattle allows it in and on a service an upgrade left in
// error (see ServiceActions), so `rancher up --rollback` recovers from an upgrade to an
// image that cannot be pulled.
func (e *Emulator) RollbackService(caller Caller, pid, id string) (Service, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	svc, err := e.changeService(caller, pid, id)
	if err != nil {
		return Service{}, err
	}
	if !slices.Contains(ServiceActions(*svc), "rollback") {
		return Service{}, actionNotAvailable("rollback")
	}
	if err := e.writable(pid); err != nil {
		return Service{}, err
	}
	if err := e.rollback(svc); err != nil {
		return Service{}, err
	}
	if err := e.put(svc); err != nil {
		return Service{}, err
	}
	e.Kick()
	return *svc, nil
}

// withVersion copies a launch config and gives it a fresh version.
func withVersion(lc map[string]any) map[string]any {
	out := make(map[string]any, len(lc)+1)
	for k, v := range lc {
		out[k] = v
	}
	out["version"] = newUUID()
	return out
}

// mergeSecondary applies an upgrade's sidekicks: changed ones replace theirs (with a new
// version), new ones are added, and those sent with image rancher/none are dropped.
func mergeSecondary(old, changed []map[string]any) []map[string]any {
	byName := map[string]map[string]any{}
	for _, sk := range changed {
		byName[fmt.Sprint(sk["name"])] = sk
	}
	var out []map[string]any
	for _, sk := range old {
		name := fmt.Sprint(sk["name"])
		next, ok := byName[name]
		switch {
		case !ok:
			out = append(out, sk)
		case imageOf(next) != noImage:
			out = append(out, withVersion(next))
		}
		delete(byName, name)
	}
	for _, sk := range changed {
		if _, isNew := byName[fmt.Sprint(sk["name"])]; isNew && imageOf(sk) != noImage {
			out = append(out, withVersion(sk))
		}
	}
	return out
}

// lcVersion is the version of a launch config ("0" before any upgrade).
func lcVersion(lc map[string]any) string {
	if v, ok := lc["version"].(string); ok && v != "" {
		return v
	}
	return "0"
}

// outdated reports whether a container was built from a launch config the service no
// longer has.
func outdated(svc *Service, c *Container) bool {
	lc := launchConfigFor(svc, c.LaunchConfig)
	if lc == nil {
		return true
	}
	v := c.Version
	if v == "" {
		v = "0"
	}
	return v != lcVersion(lc)
}
