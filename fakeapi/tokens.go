package fakeapi

import (
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator"
	"github.com/spinlocal/spinlocal/emulator/engine"
)

// grant is what a host-access token lets its bearer do, once.
type grant struct {
	pid       string
	container string
	logs      engine.LogOptions
	exec      *engine.ExecOptions // set for exec tokens only
	docker    *emulator.Caller    // set for dockersocket tokens only: who asked
	expires   time.Time
}

// tokenStore keeps single-use, short-lived host-access tokens.
type tokenStore struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]grant
}

func newTokenStore(ttl time.Duration) *tokenStore {
	return &tokenStore{ttl: ttl, m: map[string]grant{}}
}

// issue stores g and returns its token (hex, URL-safe).
func (t *tokenStore) issue(g grant) string {
	tok := newID() + newID()
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for k, v := range t.m {
		if now.After(v.expires) {
			delete(t.m, k)
		}
	}
	g.expires = now.Add(t.ttl)
	t.m[tok] = g
	return tok
}

// redeem returns and forgets the grant of tok.
func (t *tokenStore) redeem(tok string) (grant, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.m[tok]
	delete(t.m, tok)
	if !ok || time.Now().After(g.expires) {
		return grant{}, false
	}
	return g, true
}
