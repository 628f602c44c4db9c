// Package audit holds Spin's security and naming rules (spin-rules.md §2-§10)
// as pure functions from launch configs, stack names and stack tags to
// findings. The daemon runs it on every create, upgrade and update before
// anything reaches Docker, and `spinlocal audit` runs it offline on a
// compose project; both call the same checks.
//
// Every rule has a stable id and a default level (reject, warn or off) that
// a daemon config can change per rule; see [Rules] and [ParseLevels].
// Findings name the service, the compose key and the allowed values.
//
// Stack tags (owner:, staff-owner:, ...) are read from two places. Through
// the API they are the stack's group field, a comma-separated list as in
// Rancher 1.6 ("owner:elvis,staff-owner:wilma,group:csg"). In a compose
// project they are the value of the label [TagsLabel] on any service, in
// the same comma-separated form; compose-go accepts labels, and the Rancher
// CLI v0.6 passes them on to Cattle untouched, so the same file deploys to
// real Spin. The tags of every service are merged.
//
// The package reads no files and talks to neither Docker nor the API:
// [Locate] takes file contents, and the report writers take an io.Writer.
package audit
