// Package compose loads a Spin (Rancher 1.6) compose project: one or more
// docker-compose.yml files in format v1 or v2 plus an optional
// rancher-compose.yml, and turns each service into the launch configs the
// Rancher CLI would send to Cattle.
//
// Parsing and validation are left to compose-go; this package wraps it in
// the Rancher-flavoured steps it lacks (v1 files, integer versions, the
// Rancher-only keys, rancher-compose.yml, sidekicks and the config hash).
// It reads files and the environment only: it never talks to Docker or to
// the daemon, and errors name the file, key and line to fix.
package compose
