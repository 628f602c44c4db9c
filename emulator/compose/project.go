package compose

// Options says which files make up a project and how to interpolate them.
// The zero value loads docker-compose.yml from the current directory.
type Options struct {
	// Files are the compose files, merged in order. Empty means
	// docker-compose.yml (plus docker-compose.override.yml when present,
	// as the CLI does) in WorkingDir.
	Files []string
	// RancherFile is the rancher-compose.yml to merge last. Empty means
	// rancher-compose.yml beside the first compose file, if present.
	RancherFile string
	// EnvFiles hold extra variables for ${VAR} interpolation; they win
	// over the process environment and over .env, like the CLI's -e flag.
	EnvFiles []string
	// ProjectName is the stack name. Empty means $COMPOSE_PROJECT_NAME,
	// else the name of the directory holding the first compose file.
	ProjectName string
	// WorkingDir is the project directory. Empty means the directory of
	// the first compose file. Relative Files are taken from it.
	WorkingDir string
	// Environ is the process environment. Nil means os.Environ().
	Environ map[string]string
}

// Project is a loaded stack.
type Project struct {
	// Name is the stack name, normalised like the CLI does it.
	Name string
	// Dir is the project directory.
	Dir string
	// Files are the absolute paths of every file read: compose files,
	// rancher-compose.yml, .env, EnvFiles and env_file entries.
	Files []string
	// Services are the primary services in dependency order, dependencies
	// first and ties by name. Sidekicks are folded into their primary.
	Services []Service
	// Volumes are the top-level volumes.
	Volumes map[string]Volume
	// Secrets are the top-level secrets.
	Secrets map[string]Secret
}

// Service is one Cattle service as the CLI would create it.
type Service struct {
	Name string
	// Kind is "service", "loadBalancerService", "dnsService" or
	// "externalService" (cattle-api.md 7.4).
	Kind string
	// Scale is the rancher-compose scale; 1 when unset, zero or negative.
	Scale int
	// LaunchConfig is the primary launch config, camelCase keys, with
	// empty values left out. Secrets are references
	// {"source","target","uid","gid","mode"} still to be resolved to ids.
	LaunchConfig map[string]any
	// SecondaryLaunchConfigs are the sidekicks, each with "name".
	SecondaryLaunchConfigs []map[string]any
	// Metadata is the rancher-compose metadata plus io.rancher.service.hash.
	Metadata map[string]any
	// Links are the links and external_links of the primary.
	Links []Link
	// RetainIP is retain_ip.
	RetainIP bool
	// StartOnCreate is start_on_create, nil when not given. The 1.6 CLI
	// accepted but did not apply it.
	StartOnCreate *bool
	// DependsOn are the depends_on service names, sorted.
	DependsOn []string
	// StartFirst is upgrade_strategy.start_first, for the upgrade call.
	StartFirst bool
	// Fields are the other service-level fields of the create body
	// (cattle-api.md 7.9), camelCase, ready to copy: lbConfig (port rules
	// still name their "service" and certificates by name), scalePolicy,
	// selectorContainer, selectorLink, externalIpAddresses, hostname.
	Fields map[string]any
}

// Link is one service link. Target is "db" or "otherstack/db"; Alias is
// empty when none was given.
type Link struct {
	Target   string
	Alias    string
	External bool
}

// Volume is a top-level volume.
type Volume struct {
	Name         string
	Driver       string
	DriverOpts   map[string]string
	External     bool
	PerContainer bool
}

// Secret is a top-level secret; File is absolute and empty for external
// secrets without a file.
type Secret struct {
	Name     string
	File     string
	External bool
}
