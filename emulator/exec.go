package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"github.com/spinlocal/spinlocal/emulator/engine"
)

// Every exec'd command carries ExecMarkerVar=<random id> in its environment (the engine
// adds it to the execs of Exec, the docker proxy to the ones it relays), through which its
// processes are found and killed when its client goes away: Docker has no API to signal an
// exec. ExecRunVar=<run id> tells the execs of this run of the daemon from those an
// earlier run left behind, which the daemon kills on start (execsweep.go).
const (
	// ExecMarkerVar is the engine's marker variable (engine.markerVar).
	ExecMarkerVar = "SPINLOCAL_EXEC"
	// ExecRunVar names the run of the daemon that started the command.
	ExecRunVar = "SPINLOCAL_EXEC_RUN"
)

// execRun is the random id of this run of the daemon, made on first use.
type execRun struct {
	once sync.Once
	id   string
}

// execRunEnv is the environment entry that marks a command exec'd by this run.
func (e *Emulator) execRunEnv() string {
	e.execRun.once.Do(func() { e.execRun.id = randomHex(8) })
	return ExecRunVar + "=" + e.execRun.id
}

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
	opts.Env = append(slices.Clone(opts.Env), e.execRunEnv())
	return e.eng.Exec(ctx, c.DockerID, opts)
}

// ExecTag returns the environment entries that tag a command exec'd other than through
// Exec (the docker proxy relays such execs): the first is its marker, for EndExec.
func (e *Emulator) ExecTag() []string {
	raw := make([]byte, 12)
	_, _ = rand.Read(raw)
	return []string{ExecMarkerVar + "=" + hex.EncodeToString(raw), e.execRunEnv()}
}

// endExecScript kills every process but the container's first whose environment holds the
// marker given as $1. It needs sh and grep in the image, as the engine's kill does.
const endExecScript = `for f in /proc/[0-9]*/environ; do
  p=${f%/environ}; p=${p#/proc/}
  [ "$p" = 1 ] || [ "$p" = $$ ] && continue
  if grep -q "$1" "$f" 2>/dev/null; then kill -9 "$p" 2>/dev/null; fi
done; exit 0`

// EndExec kills the command whose environment holds marker (an entry of ExecTag) in the
// running container dockerID, and every process it started.
func (e *Emulator) EndExec(ctx context.Context, dockerID, marker string) error {
	if _, err := e.runScript(ctx, dockerID, endExecScript, marker); err != nil {
		return fmt.Errorf("end exec %s: %w", marker, err)
	}
	return nil
}
