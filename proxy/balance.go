package proxy

import "sync"

// balancer spreads the requests for a host name round robin over its addresses.
type balancer struct {
	mu   sync.Mutex
	next map[string]uint64
}

func newBalancer() *balancer { return &balancer{next: map[string]uint64{}} }

// pick returns the next of addrs for host; addrs must not be empty.
func (b *balancer) pick(host string, addrs []string) string {
	b.mu.Lock()
	n := b.next[host]
	b.next[host] = n + 1
	b.mu.Unlock()
	return addrs[n%uint64(len(addrs))]
}
