// Package store keeps the emulator's durable state in an embedded bbolt database: one bucket
// per record kind holding JSON documents, and one counter per id prefix so that ids are never
// reused across daemon restarts.
package store
