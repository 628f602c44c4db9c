//go:build !linux

package portowner

import "context"

// Find is not available off Linux.
func Find(context.Context, string, int) ([]Listener, error) { return nil, ErrUnsupported }
