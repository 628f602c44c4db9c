package emulator

import (
	"context"
	"fmt"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// Exec starts a command in a running container (the "execute" action of Cattle).
func (e *Emulator) Exec(ctx context.Context, pid, id string, opts engine.ExecOptions) (
	engine.ExecSession, error) {
	c, err := e.Container(pid, id)
	if err != nil {
		return nil, err
	}
	if c.State != "running" || c.DockerID == "" {
		return nil, invalid("InvalidState", "state", fmt.Sprintf(
			"container %s is not running (state %s)", c.Name, c.State))
	}
	return e.eng.Exec(ctx, c.DockerID, opts)
}
