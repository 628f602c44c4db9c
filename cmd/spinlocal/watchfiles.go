package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spinlocal/spinlocal/emulator/compose"
)

// watchFiles is what a loaded project asks to watch.
type watchFiles struct {
	// configs are the files whose change reloads the stack, including those it would
	// read if they existed (.env, rancher-compose.yml, docker-compose.override.yml).
	configs map[string]bool
	// secrets maps the files of top-level secrets to the secret names.
	secrets map[string]string
	// defining are the compose and rancher-compose files; while one is missing the
	// stack is left alone.
	defining []string
	// sources maps bind-mounted folders of the project to the services mounting them.
	sources map[string][]string
}

// filesOf lists the files of p, loaded with opts.
func filesOf(p *compose.Project, opts compose.Options) watchFiles {
	wf := watchFiles{configs: map[string]bool{}, secrets: map[string]string{},
		sources: sourceFolders(p)}
	for _, f := range p.Files {
		wf.configs[f] = true
	}
	base := opts.WorkingDir
	if base == "" {
		base, _ = os.Getwd()
	}
	composeFiles := opts.Files
	if len(composeFiles) == 0 {
		composeFiles = []string{"docker-compose.yml"}
		wf.configs[watchAbs(base, "docker-compose.override.yml")] = true
	}
	for _, f := range composeFiles {
		wf.defining = append(wf.defining, watchAbs(base, f))
	}
	first := filepath.Dir(wf.defining[0])
	rancher := filepath.Join(first, "rancher-compose.yml")
	if opts.RancherFile != "" {
		rancher = watchAbs(base, opts.RancherFile)
	}
	if opts.RancherFile != "" || wf.configs[rancher] {
		wf.defining = append(wf.defining, rancher)
	}
	wf.configs[rancher] = true
	wf.configs[filepath.Join(first, ".env")] = true
	for _, f := range append(opts.EnvFiles, composeFiles...) {
		wf.configs[watchAbs(base, f)] = true
	}
	for _, s := range p.Secrets {
		if s.File != "" {
			wf.secrets[s.File] = s.Name
		}
	}
	return wf
}

// sourceFolders maps the bind-mounted folders inside the project folder to the services
// that mount them (a sidekick's mounts count for its primary service).
func sourceFolders(p *compose.Project) map[string][]string {
	out := map[string][]string{}
	for _, s := range p.Services {
		for _, lc := range append([]map[string]any{s.LaunchConfig},
			s.SecondaryLaunchConfigs...) {
			for _, host := range bindSources(lc) {
				fi, err := os.Stat(host)
				if err != nil || !fi.IsDir() || !watchWithin(p.Dir, host) {
					continue
				}
				if n := len(out[host]); n == 0 || out[host][n-1] != s.Name {
					out[host] = append(out[host], s.Name)
				}
			}
		}
	}
	return out
}

// bindSources are the absolute host paths of a launch config's dataVolumes.
func bindSources(lc map[string]any) []string {
	var specs []string
	switch v := lc["dataVolumes"].(type) {
	case []string:
		specs = v
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				specs = append(specs, s)
			}
		}
	}
	var out []string
	for _, s := range specs {
		host, _, ok := strings.Cut(s, ":")
		if ok && filepath.IsAbs(host) {
			out = append(out, filepath.Clean(host))
		}
	}
	return out
}

// folderTree lists root and the folders below it, leaving out those skipName rejects.
func folderTree(root string) []string {
	var out []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case !d.IsDir():
			return nil
		case path != root && skipName(d.Name()):
			return filepath.SkipDir
		}
		out = append(out, path)
		return nil
	})
	return out
}

// skipName reports names in source folders whose changes restart nothing: hidden files
// and folders (.git, editor swap files), backups (name~), vim's write probe 4913, and
// what services write themselves (Python byte code, node_modules).
func skipName(name string) bool {
	switch {
	case strings.HasPrefix(name, "."), strings.HasSuffix(name, "~"),
		strings.HasSuffix(name, ".pyc"):
		return true
	}
	switch name {
	case "4913", "__pycache__", "node_modules":
		return true
	}
	return false
}
