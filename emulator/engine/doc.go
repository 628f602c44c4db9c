// Package engine is spinlocal's only door to the container runtime. The Engine interface
// covers what the reconciler needs (networks, containers, logs, exec); Docker implements it
// with the official client, and unit tests of the emulator can supply their own.
package engine
