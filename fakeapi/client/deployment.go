package client

import "github.com/spinlocal/spinlocal/emulator/compose"

// Started names the services of a project that Deploy starts: all but those with
// start_on_create: false, which it leaves inactive on purpose.
func Started(p *compose.Project) []string {
	var out []string
	for _, s := range p.Services {
		if s.StartOnCreate == nil || *s.StartOnCreate {
			out = append(out, s.Name)
		}
	}
	return out
}

// Unfinished names the services a failed Deploy left in error or stopped at. Deploy goes
// through the project's services in order and records each one it finishes, so the first
// one missing from d is where it stopped; nil when d holds them all and none failed.
func (d *Deployment) Unfinished(p *compose.Project) []string {
	if len(d.Failed) > 0 {
		return d.Failed
	}
	done := map[string]bool{}
	for _, s := range d.Services {
		done[s.Str("name")] = true
	}
	for _, s := range p.Services {
		if !done[s.Name] {
			return []string{s.Name}
		}
	}
	return nil
}
