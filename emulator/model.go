package emulator

import "time"

// Meta holds the fields every Cattle resource carries.
type Meta struct {
	ID                   string     `json:"id"`
	Type                 string     `json:"type"`
	Name                 string     `json:"name"`
	Description          string     `json:"description,omitempty"`
	State                string     `json:"state"`
	Transitioning        string     `json:"transitioning"`
	TransitioningMessage string     `json:"transitioningMessage,omitempty"`
	UUID                 string     `json:"uuid"`
	AccountID            string     `json:"accountId,omitempty"`
	Created              time.Time  `json:"created"`
	Removed              *time.Time `json:"removed,omitempty"`
}

// Project is a Cattle environment: Spin's own (dev-cattle, prod-cattle, sandbox) or one a
// user created.
type Project struct {
	Meta
	Orchestration string `json:"orchestration"`
	// Owner is the user who created the environment; "" for Spin's three.
	Owner string `json:"owner,omitempty"`
	// TemplateID is the project template the environment was made from.
	TemplateID string `json:"projectTemplateId,omitempty"`
	// Paused lists the services that deactivating the environment stopped; activating it
	// starts them again, and only them.
	Paused []string `json:"paused,omitempty"`
}

// Host is the one laptop host every container runs on.
type Host struct {
	Meta
	Hostname string `json:"hostname"`
}

// Stack groups services.
type Stack struct {
	Meta
	Owner         string            `json:"owner,omitempty"`
	Group         string            `json:"group,omitempty"`
	System        bool              `json:"system,omitempty"`
	StartOnCreate bool              `json:"startOnCreate,omitempty"`
	Environment   map[string]string `json:"environment,omitempty"`
	DockerCompose string            `json:"dockerCompose,omitempty"`
	RancherCompos string            `json:"rancherCompose,omitempty"`
	HealthState   string            `json:"healthState,omitempty"`
}

// ServiceLink is one entry of a service's links (a serviceConsumeMap in Cattle).
type ServiceLink struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	ServiceID string `json:"serviceId"`
}

// Service is a Cattle service of any kind; Type says which (service, dnsService, ...).
type Service struct {
	Meta
	StackID       string           `json:"stackId"`
	Scale         int              `json:"scale"`
	LaunchConfig  map[string]any   `json:"launchConfig"`
	Secondary     []map[string]any `json:"secondaryLaunchConfigs,omitempty"`
	Metadata      map[string]any   `json:"metadata,omitempty"`
	Links         []ServiceLink    `json:"serviceLinks,omitempty"`
	Extra         map[string]any   `json:"extra,omitempty"`
	StartOnCreate bool             `json:"startOnCreate,omitempty"`
	RetainIP      bool             `json:"retainIp,omitempty"`
	CreateIndex   int              `json:"createIndex"`
	HealthState   string           `json:"healthState,omitempty"`
	// Upgrade holds the strategy and the previous launch configs of an in-service upgrade
	// until it is finished or rolled back.
	Upgrade *Upgrade `json:"upgrade,omitempty"`
	// NextBatchAt paces the batches of an upgrade.
	NextBatchAt time.Time `json:"nextBatchAt,omitzero"`
	// RetryAt delays the next attempt to create containers after a Docker failure.
	RetryAt time.Time `json:"retryAt,omitzero"`
	// Failures counts consecutive failed attempts, for the retry backoff.
	Failures int `json:"failures,omitempty"`
	// ErrorDuring is the upgrade state a service was in when a container failed; the
	// service goes back to it once its containers run.
	ErrorDuring string `json:"errorDuring,omitempty"`
	// RetainedIPs holds, with retainIp, the address each unit member keeps across its
	// replacements, by member key (see memberKey).
	RetainedIPs map[string]string `json:"retainedIps,omitempty"`
}

// Container is one Docker container managed by the daemon.
type Container struct {
	Meta
	StackID      string            `json:"stackId,omitempty"`
	ServiceID    string            `json:"serviceId,omitempty"`
	LaunchConfig string            `json:"launchConfigName,omitempty"`
	ServiceIndex int               `json:"serviceIndex,omitempty"`
	CreateIndex  int               `json:"createIndex,omitempty"`
	UnitUUID     string            `json:"deploymentUnitUuid,omitempty"`
	ImageUUID    string            `json:"imageUuid"`
	HostID       string            `json:"hostId"`
	DockerID     string            `json:"externalId,omitempty"`
	DockerName   string            `json:"dockerName,omitempty"`
	IPAddress    string            `json:"primaryIpAddress,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	StartCount   int               `json:"startCount,omitempty"`
	// Spec is the launch config the container was built from.
	Spec map[string]any `json:"spec,omitempty"`
	// Desired is what the user last asked of a standalone action: "stopped" keeps the
	// reconciler from starting the container again until its service is re-activated.
	Desired string `json:"desired,omitempty"`
	// HealthState is "" without a health check, else initializing, healthy, unhealthy or
	// reinitializing.
	HealthState string `json:"healthState,omitempty"`
	// HealthChanged is when HealthState last changed (for the initializing timeouts).
	HealthChanged time.Time `json:"healthChanged,omitzero"`
	// Version is the launch config version the container was built from.
	Version string `json:"version,omitempty"`
	// Retired marks a container an upgrade replaced: kept stopped until the upgrade is
	// finished (then removed) or rolled back (then started again).
	Retired bool `json:"retired,omitempty"`
	// NameTaken records that the Cattle name is held by a Docker container this daemon
	// does not own, so the container keeps its suffixed Docker name.
	NameTaken bool `json:"nameTaken,omitempty"`
	// RestartPending marks a restart asked for and not yet done.
	RestartPending bool `json:"restartPending,omitempty"`
	// HostsFile marks a container whose /etc/hosts is the daemon's file (hostsfiles.go),
	// kept up to date with the environment's external and alias services.
	HostsFile bool `json:"hostsFile,omitempty"`
	// Exits counts the times in a row the process of a service container ended on its
	// own, ExitedAt and ExitCode say when and how it last did, and RunningSince when it
	// last started to run: they pace restarts and hold back health (health_exits.go).
	Exits        int       `json:"exits,omitempty"`
	ExitedAt     time.Time `json:"exitedAt,omitzero"`
	ExitCode     int       `json:"exitCode,omitempty"`
	RunningSince time.Time `json:"runningSince,omitzero"`
}

// APIKey is one access key / secret pair; the secret is kept only as a hash.
type APIKey struct {
	AccessKey  string    `json:"accessKey"`
	SecretHash string    `json:"secretHash"`
	User       string    `json:"user"`
	Created    time.Time `json:"created"`
}

// Caller is who makes an API request.
type Caller struct {
	User string
}

// Upgrade is an in-service upgrade in progress (Cattle's upgrade.inServiceStrategy).
type Upgrade struct {
	BatchSize          int              `json:"batchSize"`
	IntervalMillis     int              `json:"intervalMillis"`
	StartFirst         bool             `json:"startFirst,omitempty"`
	LaunchConfig       map[string]any   `json:"launchConfig,omitempty"`
	Secondary          []map[string]any `json:"secondaryLaunchConfigs,omitempty"`
	PreviousLaunchConf map[string]any   `json:"previousLaunchConfig,omitempty"`
	PreviousSecondary  []map[string]any `json:"previousSecondaryLaunchConfigs,omitempty"`
}
