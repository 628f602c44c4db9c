package emulator

import "sync"

// subscribers fans record changes out to listeners (the subscribe websocket, waiters).
type subscribers struct {
	mu   sync.Mutex
	next int
	subs map[int]chan any
}

// Subscribe returns a channel of changed records (copies) and a function that ends the
// subscription. A listener that falls behind loses events, never blocks the model.
func (e *Emulator) Subscribe() (<-chan any, func()) {
	s := &e.subs
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs == nil {
		s.subs = map[int]chan any{}
	}
	id := s.next
	s.next++
	ch := make(chan any, 256)
	s.subs[id] = ch
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c, ok := s.subs[id]; ok {
			delete(s.subs, id)
			close(c)
		}
	}
}

func (s *subscribers) publish(r any) {
	var snapshot any
	switch v := r.(type) {
	case *Stack:
		c := *v
		snapshot = c
	case *Service:
		c := *v
		snapshot = c
	case *Container:
		c := *v
		snapshot = c
	case *Host:
		c := *v
		snapshot = c
	case *Project:
		c := *v
		snapshot = c
	case *ServiceLog:
		c := *v
		snapshot = c
	default:
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- snapshot:
		default:
		}
	}
}
