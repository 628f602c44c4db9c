package client

import (
	"context"
	"fmt"
	"time"
)

// RemoveStack deletes a stack and waits until it is removed with its services and
// containers. A stack that is already gone is no error.
func (c *Client) RemoveStack(ctx context.Context, stack Resource, poll time.Duration) error {
	name := stack.Str("name")
	r, err := c.Delete(ctx, stack)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove stack %s: %w", name, err)
	}
	if _, err := c.WaitSettled(ctx, r, poll); err != nil {
		return fmt.Errorf("remove stack %s: %w", name, err)
	}
	return nil
}
