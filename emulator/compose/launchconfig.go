package compose

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/spinlocal/spinlocal/emulator/transform"
)

// launchConfig builds one launch config as the CLI posts it: the
// scripts/transform answer for the service, then the CLI's own overrides
// (cattle-api.md 7.6-7.8). secrets are the primary's references, which
// the CLI gives to sidekicks too.
func launchConfig(s *types.ServiceConfig, d *serviceData, st *settings,
	secrets []any, primary bool) map[string]any {
	lc := transform.Convert(dockerRequest(s, st))
	delete(lc, "name")

	for k, v := range st.launch {
		lc[k] = v
	}
	networkMode(lc, s.NetworkMode, st.net)
	if len(d.volumesFrom) > 0 {
		lc["dataVolumesFromLaunchConfigs"] = d.volumesFrom
	}
	if len(secrets) > 0 {
		lc["secrets"] = secrets
	}
	labels, _ := lc["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	lc["labels"] = labels
	if len(st.healthCheck) > 0 {
		lc["healthCheck"] = st.healthCheck
	}
	if primary {
		// The CLI overwrites the transform's ports with the strings as
		// written, on the primary only: sidekicks keep "8080:80/tcp".
		delete(lc, "ports")
		if len(d.ports) > 0 {
			lc["ports"] = d.ports
		}
		if len(d.expose) > 0 {
			lc["expose"] = d.expose
		}
	}
	if b := buildConfig(s.Build); b != nil {
		lc["build"] = b
	}
	for _, k := range []string{"command", "entryPoint"} {
		if l, ok := lc[k].([]string); ok && len(l) == 0 {
			delete(lc, k)
		}
	}
	return lc
}

// networkMode sets networkMode the CLI's way: "managed" by default, and
// "container" plus networkLaunchConfig for container:<name> (a sidekick).
func networkMode(lc map[string]any, mode, net string) {
	if mode == "" {
		mode = net
	}
	switch {
	case mode == "":
		lc["networkMode"] = "managed"
	case strings.HasPrefix(mode, types.ContainerPrefix):
		lc["networkMode"] = "container"
		lc["networkLaunchConfig"] = strings.TrimPrefix(mode, types.ContainerPrefix)
	case strings.HasPrefix(mode, types.ServicePrefix):
		lc["networkMode"] = "container"
		lc["networkLaunchConfig"] = strings.TrimPrefix(mode, types.ServicePrefix)
	default:
		lc["networkMode"] = mode
	}
}

// buildConfig gives the CLI's build field for remote contexts (a git or
// HTTP URL). A local context, which the CLI would upload, is passed as
// {"context": absolute dir, "dockerfile": name} for the daemon to build.
func buildConfig(b *types.BuildConfig) map[string]any {
	if b == nil || b.Context == "" {
		return nil
	}
	out := map[string]any{}
	if isRemoteContext(b.Context) {
		out["remote"] = b.Context
	} else {
		out["context"] = b.Context
	}
	if b.Dockerfile != "" {
		out["dockerfile"] = b.Dockerfile
	}
	return out
}

func isRemoteContext(ctx string) bool {
	for _, p := range []string{"http://", "https://", "git://", "git@", "github.com/"} {
		if strings.HasPrefix(ctx, p) {
			return true
		}
	}
	return false
}
