package client

import (
	"context"
	"fmt"
	"time"
)

// WaitSettled reloads r until it is no longer transitioning and returns the last state.
// A resource that settles in "error" is returned with an error carrying its message.
func (c *Client) WaitSettled(ctx context.Context, r Resource, poll time.Duration) (Resource,
	error) {
	for {
		switch r.Str("transitioning") {
		case "error":
			return r, fmt.Errorf("%s %s: %s", r.Str("type"), r.Str("name"),
				r.Str("transitioningMessage"))
		case "no":
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("%s %s is still %s: %w", r.Str("type"), r.Str("name"),
				r.Str("state"), ctx.Err())
		case <-time.After(poll):
		}
		next, err := c.Get(ctx, r.Link("self"))
		if err != nil {
			return r, err
		}
		r = next
	}
}
