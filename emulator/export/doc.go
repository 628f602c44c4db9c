// Package export renders a stack's services back into the two files a Rancher 1.6 user
// deploys, docker-compose.yml (format version '2') and rancher-compose.yml, as the answer to
// the Cattle stack action exportconfig (cattle-api.md 5.10).
//
// It inverts what the compose loader and the CLI's scripts/transform do (cattle-api.md
// 7.6-7.9): launch-config keys become compose keys, sidekicks become services named in the
// primary's io.rancher.sidekicks label, service links become links or external_links, and
// the Rancher-only settings (scale, health_check, lb_config, metadata, ...) go to
// rancher-compose.yml. Keys without a compose spelling, and the config hash the CLI
// recomputes on every `up`, are left out. Output is deterministic: services sorted by name,
// mapping keys sorted, and every string escaped against ${VAR} interpolation.
package export
