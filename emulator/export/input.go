package export

// Service is one service of the stack to export, in the API's shape.
type Service struct {
	Name string
	// Kind is the Cattle type: "service" (also when empty), "loadBalancerService",
	// "dnsService" or "externalService".
	Kind  string
	Scale int
	// LaunchConfig is the primary launch config, camelCase keys.
	LaunchConfig map[string]any
	// Secondary are the sidekick launch configs, each naming itself under "name".
	Secondary []map[string]any
	// Metadata is the service metadata; the config hash in it is dropped.
	Metadata map[string]any
	// Links are the service links (Cattle's serviceConsumeMaps).
	Links    []Link
	RetainIP bool
	// StartOnCreate is written as start_on_create when set.
	StartOnCreate *bool
	// Extra are the other service-level fields: lbConfig, scalePolicy,
	// externalIpAddresses, hostname, selectorContainer, selectorLink.
	Extra map[string]any
	// Secrets maps the secretId of a secret reference to the secret's name. A reference
	// whose id is missing here is exported as the secret named like its mount name; a
	// reference that already names its "source" (the loader's form) needs no entry.
	Secrets map[string]string
}

// Link is one service link: the target service's id and the alias it is reached by
// (empty, or the target's own name, for none).
type Link struct {
	Alias     string
	ServiceID string
}

// Lookup resolves a service id to the names of its stack and of the service itself; ok is
// false for a service that does not exist (any more). It resolves link targets and the
// services load balancer port rules point at.
type Lookup func(serviceID string) (stack, name string, ok bool)
