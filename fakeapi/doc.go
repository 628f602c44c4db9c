// Package fakeapi serves the Rancher 1.6 Cattle v2-beta API over HTTP and websockets, as
// the Rancher CLI v0.6 expects it: bootstrap handshake, schemas, collections with filters,
// resources with state-derived actions, the error envelope and host-access websockets. It
// translates requests into calls on an emulator.Emulator and holds no rules of its own.
package fakeapi
