// Package client speaks the Cattle v2-beta API the way the Rancher CLI does (Basic auth,
// project-scoped collections, actions by URL, host-access websockets). spinlocal's own
// commands use it, so they reach the daemon through the same door as the CLI.
package client
