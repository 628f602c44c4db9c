package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// followPoll is how often FollowStack looks for containers it does not follow yet.
const followPoll = 2 * time.Second

// FollowStack prints the output of every container of the stack's services as
// `name | line`, as `rancher up` does, until ctx ends. Containers that appear later
// (replacements, upgrades, scale-ups) are followed from their start; a container that
// stops and starts again is followed from where its stream ended.
func (c *Client) FollowStack(ctx context.Context, stackID string, out, errOut io.Writer) {
	f := &follower{c: c, out: out, errOut: errOut, ended: map[string]time.Time{},
		active: map[string]bool{}}
	for {
		f.pick(ctx, stackID)
		select {
		case <-ctx.Done():
			f.wg.Wait()
			return
		case <-time.After(followPoll):
		}
	}
}

type follower struct {
	c           *Client
	out, errOut io.Writer
	mu          sync.Mutex
	wg          sync.WaitGroup
	width       int
	active      map[string]bool
	ended       map[string]time.Time
}

// pick starts a stream for each running container of the stack not followed yet.
func (f *follower) pick(ctx context.Context, stackID string) {
	services, err := f.c.List(ctx, "stacks/"+stackID+"/services", nil)
	if err != nil {
		return
	}
	for _, svc := range services {
		if svc.Str("type") != "service" {
			continue
		}
		items, err := f.c.List(ctx, "services/"+svc.Str("id")+"/instances", nil)
		if err != nil {
			continue
		}
		for _, ct := range items {
			f.start(ctx, ct)
		}
	}
}

func (f *follower) start(ctx context.Context, ct Resource) {
	id := ct.Str("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active[id] || ct.Str("state") != "running" || ct.Action("logs") == "" {
		return
	}
	body := map[string]any(nil)
	if end, ok := f.ended[id]; ok {
		body = map[string]any{"follow": true, "lines": -1, "timestamps": true,
			"since": end.UTC().Format(time.RFC3339Nano)}
	}
	f.active[id] = true
	f.width = max(f.width, len(ct.Str("name")))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		err := f.c.StreamLogs(ctx, ct, body, func(l LogLine) {
			f.mu.Lock()
			defer f.mu.Unlock()
			w := f.out
			if l.Stderr {
				w = f.errOut
			}
			fmt.Fprintf(w, "%-*s | %s\n", f.width, ct.Str("name"), l.Text)
		})
		if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			fmt.Fprintf(f.errOut, "Failed to read log of %s: %v\n", ct.Str("name"), err)
		}
		f.mu.Lock()
		f.active[id] = false
		f.ended[id] = time.Now()
		f.mu.Unlock()
	}()
}
