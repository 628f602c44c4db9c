// Package emulator owns spinlocal's model of a Rancher 1.6 Cattle installation: environments,
// stacks, services, containers, hosts and API keys, their state machines, and the reconciler
// that makes the Docker engine match the desired state. The API layer (fakeapi) translates
// HTTP to calls on an Emulator; nothing else changes the model.
package emulator
