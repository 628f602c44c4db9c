package compose

import (
	"fmt"
	"os"
	"path/filepath"
)

// resolved are the Options with every default filled in.
type resolved struct {
	files        []string // absolute compose file paths
	shown        []string // the same, as the user wrote them
	rancher      string   // absolute rancher-compose path, "" when none
	rancherShown string
	dir          string // project directory
	name         string // normalised stack name
	env          map[string]string
	envRead      []string // .env and EnvFiles that were read
}

func resolveOptions(opts Options) (*resolved, error) {
	base := opts.WorkingDir
	if base == "" {
		cwd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("find the current directory: %w", err)
		}
		base = cwd
	}
	base, err := filepath.Abs(base)
	if err != nil {
		return nil, fmt.Errorf("resolve working directory %q: %w", opts.WorkingDir, err)
	}

	r := &resolved{}
	if len(opts.Files) == 0 {
		r.add(base, filepath.Join(opts.WorkingDir, "docker-compose.yml"))
		// The CLI adds the override file when it exists (cattle-api.md 7.1).
		override := filepath.Join(opts.WorkingDir, "docker-compose.override.yml")
		if _, err := os.Stat(absFrom(base, override)); err == nil {
			r.add(base, override)
		}
	}
	for _, f := range opts.Files {
		r.add(base, f)
	}
	firstDir := filepath.Dir(r.files[0])
	r.dir = firstDir
	if opts.WorkingDir != "" {
		r.dir = base
	}

	switch {
	case opts.RancherFile != "":
		r.rancher, r.rancherShown = absFrom(base, opts.RancherFile), opts.RancherFile
	default:
		p := filepath.Join(firstDir, "rancher-compose.yml")
		if _, err := os.Stat(p); err == nil {
			r.rancher = p
			r.rancherShown = filepath.Join(filepath.Dir(r.shown[0]), "rancher-compose.yml")
		}
	}

	process := environ(opts.Environ)
	var envFiles []string
	for _, f := range opts.EnvFiles {
		envFiles = append(envFiles, absFrom(base, f))
	}
	r.env, r.envRead, err = interpolationEnv(process, filepath.Join(firstDir, ".env"), envFiles)
	if err != nil {
		return nil, err
	}

	name := opts.ProjectName
	if name == "" {
		name = process["COMPOSE_PROJECT_NAME"]
	}
	if name == "" {
		name = filepath.Base(firstDir)
	}
	r.name = NormalizeStackName(name)
	if r.name == "" {
		return nil, fmt.Errorf("stack name %q is empty once normalised: set a project name", name)
	}
	// compose-go sets this variable to the project name while it
	// interpolates; the copy this package interpolates must agree.
	r.env["COMPOSE_PROJECT_NAME"] = r.name
	return r, nil
}

func (r *resolved) add(base, shown string) {
	r.files = append(r.files, absFrom(base, shown))
	r.shown = append(r.shown, shown)
}
