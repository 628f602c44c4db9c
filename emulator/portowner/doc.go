// Package portowner finds the local process that listens on a TCP port, for the error a
// user sees when a published port is taken. It reads /proc on Linux and answers
// ErrUnsupported elsewhere; it knows nothing of Docker or of spinlocal's model.
package portowner
