package dockerproxy

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// heldSafe is the most output of an exec without input that reaches the docker client
// whole: the Rancher CLI closes the client's connection as soon as the client half-closes
// it, which a docker client does right after the upgrade, so only what the operating
// system buffers between the two gets through (about 200 KiB on Linux, less elsewhere).
const heldSafe = 64 << 10

// tooMuchOutput is what the user sees instead of output that would arrive cut short.
func tooMuchOutput() string {
	return fmt.Sprintf("spinlocal: this exec wrote more than rancher docker exec without "+
		"-i passes whole (about %d KiB: the Rancher CLI closes the connection early), so "+
		"none of it is shown and the exit code is not 0 (1 where the command's was). Use "+
		"rancher exec -it or spinlocal exec to see it all.\n", heldSafe>>10)
}

// stderrFrame wraps text as one stderr frame of Docker's multiplexed stream.
func stderrFrame(text string) []byte {
	b := make([]byte, 8, 8+len(text))
	b[0] = 2
	binary.BigEndian.PutUint32(b[4:], uint32(len(text)))
	return append(b, text...)
}

// cutShort remembers the exec instances whose output was withheld, so their exit code
// says so, for as long as a docker client takes to ask for it.
var cutShort = &cutRegistry{m: map[string]time.Time{}}

type cutRegistry struct {
	mu sync.Mutex
	m  map[string]time.Time
}

const cutKeep = 10 * time.Minute

func (r *cutRegistry) mark(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for k, t := range r.m {
		if now.Sub(t) > cutKeep {
			delete(r.m, k)
		}
	}
	r.m[id] = now
}

func (r *cutRegistry) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.m[id]
	return ok && time.Since(t) <= cutKeep
}

// markExitCode turns a zero exit code in an exec inspection into 1.
func markExitCode(b []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read exec inspection: %w", err)
	}
	if code, _ := m["ExitCode"].(float64); code == 0 {
		m["ExitCode"] = 1
	}
	return json.Marshal(m)
}
