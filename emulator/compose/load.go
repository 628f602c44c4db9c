package compose

import (
	"context"
	"sort"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Load reads a Spin compose project: the compose files, rancher-compose.yml
// and the variables for interpolation. A problem in a file is returned as
// a *LoadError naming the file, the key and the line.
func Load(ctx context.Context, opts Options) (*Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := resolveOptions(opts)
	if err != nil {
		return nil, err
	}

	files := make([]*composeFile, 0, len(r.files))
	for i, path := range r.files {
		f, err := readComposeFile(r.shown[i], path, r.env)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	var rf *rancherFile
	if r.rancher != "" {
		if rf, err = readRancherFile(r.rancherShown, r.rancher, r.env); err != nil {
			return nil, err
		}
	}

	declaredVolumes, declaredSecrets := declareImplicit(files)
	cp, err := loadModel(ctx, r, files)
	if err != nil {
		return nil, err
	}

	p := &Project{
		Name:    r.name,
		Dir:     r.dir,
		Files:   readFiles(r, files),
		Volumes: volumes(cp, files, declaredVolumes),
		Secrets: secrets(cp, declaredSecrets),
	}
	if p.Services, err = buildServices(cp, files, rf); err != nil {
		return nil, err
	}
	return p, nil
}

// loadModel hands the prepared files to compose-go, which interpolates,
// validates against the compose spec, merges and resolves env_file.
func loadModel(ctx context.Context, r *resolved, files []*composeFile) (*types.Project, error) {
	details := types.ConfigDetails{
		WorkingDir:  files[0].dir,
		Environment: types.Mapping{},
	}
	for k, v := range r.env {
		details.Environment[k] = v
	}
	for _, f := range files {
		details.ConfigFiles = append(details.ConfigFiles,
			types.ConfigFile{Filename: f.path, Config: f.raw})
	}
	name := loader.NormalizeProjectName(r.name)
	if name == "" {
		name = "stack"
	}
	cp, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(name, true)
		o.Interpolate.Substitute = quietSubstitute
	})
	if err != nil {
		return nil, composeGoError(err, files)
	}
	return cp, nil
}

// declareImplicit declares, in the first file, the named volumes and
// secrets that services use without a top-level entry. Rancher let a
// service mount any named volume (created through its volume driver) and
// look up any existing secret by name; compose-go would reject both.
// It returns the names declared by the user.
func declareImplicit(files []*composeFile) (vols, secs map[string]bool) {
	vols, secs = map[string]bool{}, map[string]bool{}
	for _, f := range files {
		for name := range asMap(f.raw["volumes"]) {
			vols[name] = true
		}
		for name := range asMap(f.raw["secrets"]) {
			secs[name] = true
		}
	}
	first := files[0].raw
	for _, f := range files {
		for _, name := range f.named {
			if !vols[name] {
				ensureMap(first, "volumes")[name] = nil
			}
		}
		for _, name := range f.secrets {
			if !secs[name] {
				ensureMap(first, "secrets")[name] = map[string]any{"external": true}
			}
		}
	}
	return vols, secs
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func ensureMap(parent map[string]any, key string) map[string]any {
	m, ok := parent[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		parent[key] = m
	}
	return m
}

// readFiles lists every file read, for the hot reloader to watch.
func readFiles(r *resolved, files []*composeFile) []string {
	list := append([]string(nil), r.files...)
	if r.rancher != "" {
		list = append(list, r.rancher)
	}
	list = append(list, r.envRead...)
	var envFiles []string
	for _, f := range files {
		envFiles = append(envFiles, f.envFiles...)
	}
	sort.Strings(envFiles)
	return appendNew(list, envFiles...)
}

func volumes(cp *types.Project, files []*composeFile, declared map[string]bool,
) map[string]Volume {
	out := map[string]Volume{}
	for name := range declared {
		cv := cp.Volumes[name]
		v := Volume{Name: name, Driver: cv.Driver, External: bool(cv.External)}
		if len(cv.DriverOpts) > 0 {
			v.DriverOpts = cv.DriverOpts
		}
		for _, f := range files {
			vd := f.volumes[name]
			if vd == nil {
				continue
			}
			if vd.driver != "" {
				v.Driver = vd.driver
			}
			if vd.driverOpts != nil {
				v.DriverOpts = vd.driverOpts
			}
			if vd.perContainer != nil {
				v.PerContainer = *vd.perContainer
			}
		}
		out[name] = v
	}
	return out
}

func secrets(cp *types.Project, declared map[string]bool) map[string]Secret {
	out := map[string]Secret{}
	for name := range declared {
		cs := cp.Secrets[name]
		out[name] = Secret{Name: name, File: cs.File, External: bool(cs.External)}
	}
	return out
}

// mergedData combines what every compose file says about each service.
func mergedData(files []*composeFile) map[string]*serviceData {
	out := map[string]*serviceData{}
	for _, f := range files {
		for name, d := range f.services {
			if out[name] == nil {
				out[name] = newServiceData()
			}
			out[name].merge(d)
		}
	}
	return out
}
