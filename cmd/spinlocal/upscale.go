package main

import (
	"fmt"
	"io"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// printScaleDrift says which deployed services have another scale than the files give.
// Like `rancher up`, up sets the scale only when it creates a service (cattle-semantics.md
// 5.3); saying so beats leaving the edit silently unapplied.
func printScaleDrift(out io.Writer, p *compose.Project, d *client.Deployment) {
	byName := map[string]client.Resource{}
	for _, r := range d.Services {
		byName[r.Str("name")] = r
	}
	for _, svc := range p.Services {
		r := byName[svc.Name]
		if r == nil || svc.Kind == "externalService" || svc.Kind == "dnsService" {
			continue
		}
		labels, _ := svc.LaunchConfig["labels"].(map[string]any)
		if fmt.Sprint(labels["io.rancher.scheduler.global"]) == "true" {
			continue
		}
		scale, _ := r["scale"].(float64)
		if int(scale) == svc.Scale {
			continue
		}
		fmt.Fprintf(out, "Service %s has scale %d, the files say %d: up sets the scale only "+
			"when it creates a service, as rancher up does (rancher scale %s/%s=%d sets it; "+
			"while up runs, a save that edits the scale applies it)\n", svc.Name, int(scale),
			svc.Scale, p.Name, svc.Name, svc.Scale)
	}
}
