package emulator

import (
	"context"
	"fmt"
	"net"
)

// DockerTarget is a container of an environment as `rancher docker` sees it: its Cattle
// and Docker names and ids, and whether the caller may reach it.
type DockerTarget struct {
	ID         string // Cattle id (1i13)
	Name       string // Cattle name (mystack-web-1), what users type
	DockerID   string
	DockerName string // differs from Name when the Docker name was taken
	Stack      string
	Running    bool
	// Mine is true when the caller owns the container's stack or is in its group: the
	// same test as for exec and every other change.
	Mine bool
}

// DockerTargets lists the containers of environment pid that exist in Docker.
func (e *Emulator) DockerTargets(caller Caller, pid string) []DockerTarget {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []DockerTarget
	for _, c := range sortedValues(e.containers) {
		if c.AccountID != pid || c.Removed != nil || c.DockerID == "" {
			continue
		}
		t := DockerTarget{ID: c.ID, Name: c.Name, DockerID: c.DockerID,
			DockerName: c.DockerName, Running: c.State == "running",
			Mine: e.mayChange(caller, c.StackID) == nil}
		if st, ok := e.stacks[c.StackID]; ok {
			t.Stack = st.Name
		}
		out = append(out, t)
	}
	return out
}

// DialDocker opens a raw connection to the Docker engine's API.
func (e *Emulator) DialDocker(ctx context.Context) (net.Conn, error) {
	conn, err := e.eng.Dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("reach Docker for rancher docker: %w", err)
	}
	return conn, nil
}
