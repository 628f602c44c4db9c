// Package transform answers the Cattle endpoint POST {p}/scripts/transform.
//
// The Rancher CLI (v0.6) turns every compose service into Docker Engine API
// structures (container Config and HostConfig) and asks the server to turn
// them into a Cattle launch config; this package does that conversion,
// following the rules of cattle-api.md section 7.6. It is pure: it reads
// bytes or structs and returns a map, and it never talks to Docker or
// imports the Docker SDK.
package transform
