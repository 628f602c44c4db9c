package fakeapi

import (
	"sync"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// stdinQueue hands decoded input to one feeding goroutine, which writes all that has
// piled up in one call: the CLI sends a frame per keystroke, so a paste becomes one
// write instead of one per byte.
type stdinQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte
	eof     bool // no more input: send EOF once buf is written
	stopped bool // drop everything
}

func newStdinQueue() *stdinQueue {
	q := &stdinQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Write queues p, waiting while the backlog is full.
func (q *stdinQueue) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.buf) > 0 && len(q.buf)+len(p) > stdinBacklog && !q.stopped && !q.eof {
		q.cond.Wait()
	}
	if q.stopped || q.eof {
		return 0, errStdinClosed
	}
	q.buf = append(q.buf, p...)
	q.cond.Broadcast()
	return len(p), nil
}

// finish marks the end of input.
func (q *stdinQueue) finish() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.eof = true
	q.cond.Broadcast()
}

// stop drops pending and future input and ends feed.
func (q *stdinQueue) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stopped = true
	q.buf = nil
	q.cond.Broadcast()
}

// feed writes queued input to dst until EOF or stop. EOF closes dst's input, or on a
// terminal types EOT (Ctrl-D), because Docker stops relaying a terminal's output once
// its input is closed.
func (q *stdinQueue) feed(dst engine.ExecSession, tty bool) {
	var spare []byte
	for {
		q.mu.Lock()
		for len(q.buf) == 0 && !q.eof && !q.stopped {
			q.cond.Wait()
		}
		if q.stopped {
			q.mu.Unlock()
			return
		}
		chunk, eof := q.buf, q.eof && len(q.buf) == 0
		q.buf = spare[:0]
		q.cond.Broadcast()
		q.mu.Unlock()

		if eof {
			if tty {
				_, _ = dst.Write([]byte{4})
			} else {
				_ = dst.CloseWrite()
			}
			return
		}
		if _, err := dst.Write(chunk); err != nil {
			q.stop()
			return
		}
		spare = chunk
	}
}
