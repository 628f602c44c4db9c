package dockerproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
)

// An exec made through the proxy with a stream attached is tagged as the daemon tags the
// commands of rancher exec: entries of the Backend's ExecTag are added to its environment
// as the config passes. When the stream that started it ends while the command still runs
// (the Rancher CLI was killed, or its connection dropped), Docker has closed the command's
// input; what still runs after execGrace is killed through the tag. A daemon that was
// killed meanwhile kills it on its next start. An exec with no stream (docker exec -d)
// runs in the background by design and is not tagged.

// execGrace is how long a command whose client left may take to end after its input
// closed before it is killed, as for rancher exec.
const execGrace = 2 * time.Second

// execTag is the tag of an exec instance: the container it runs in and its marker.
type execTag struct {
	container string // Docker id
	marker    string // KEY=value in its environment
	made      time.Time
}

// tagged holds the tags of the exec instances made through the proxy until they start:
// the docker client starts an exec on another connection than the one that made it.
var tagged = &tagRegistry{m: map[string]execTag{}}

// tagKeep is how long a tag waits for its exec to start.
const tagKeep = time.Hour

type tagRegistry struct {
	mu sync.Mutex
	m  map[string]execTag
}

func (r *tagRegistry) add(id string, t execTag) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, old := range r.m {
		if time.Since(old.made) > tagKeep {
			delete(r.m, k)
		}
	}
	r.m[id] = t
}

// take returns the tag of exec instance id and forgets it.
func (r *tagRegistry) take(id string) (execTag, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.m[id]
	delete(r.m, id)
	return t, ok
}

// withEnv returns the exec config raw with env added to its environment, and false when
// raw is not one JSON object with a list of strings or nothing for Env (Docker then
// refuses it). The members keep their order and bytes, but for Env, which goes last, in
// place of every member Docker's decoder would read as Env whatever its case.
func withEnv(raw []byte, env []string) ([]byte, bool) {
	var cfg struct{ Env []string }
	if json.Unmarshal(raw, &cfg) != nil {
		return raw, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return raw, false
	}
	out := []byte{'{'}
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		var val json.RawMessage
		if err != nil || !isKey || dec.Decode(&val) != nil {
			return raw, false
		}
		if strings.EqualFold(key, "Env") {
			continue
		}
		name, _ := json.Marshal(key)
		out = append(append(append(append(out, name...), ':'), val...), ',')
	}
	entry, err := json.Marshal(append(cfg.Env, env...))
	if err != nil {
		return raw, false
	}
	return append(append(append(out, `"Env":`...), entry...), '}'), true
}

// wantsTag reports whether an exec config attaches a stream: only such an exec has a
// client whose leaving ends it.
func wantsTag(raw []byte) bool {
	var cfg struct {
		Detach                                  bool
		AttachStdin, AttachStdout, AttachStderr bool
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return false
	}
	return !cfg.Detach && (cfg.AttachStdin || cfg.AttachStdout || cfg.AttachStderr)
}

// tagExec returns the exec config raw with a new tag for an exec in container, and keeps
// the tag in v until Docker's answer names the exec instance.
func (s *session) tagExec(raw []byte, v *verdict, container string) []byte {
	if !wantsTag(raw) {
		return raw
	}
	env := s.b.ExecTag()
	out, ok := withEnv(raw, env)
	if !ok {
		return raw
	}
	v.tag = &execTag{container: container, marker: env[0]}
	return out
}

// noteTag remembers the tag of the exec instance that Docker's answer to an exec create
// names, and returns the answer unchanged.
func (s *session) noteTag(t execTag) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		var created struct{ ID string }
		if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
			s.log.Debug("an exec create answer names no exec", "answer", string(b),
				"err", err)
			return b, nil
		}
		t.made = time.Now()
		tagged.add(created.ID, t)
		return b, nil
	}
}

// endAbandoned ends the tagged exec id whose stream is over while it may still run. An
// exec that ended, or ends within execGrace, is left as it is.
func (s *session) endAbandoned(ctx context.Context, id string, t execTag) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), execGrace+20*time.Second)
	defer cancel()
	deadline := time.Now().Add(execGrace)
	for {
		info, err := inspectExec(ctx, s.b, "", id)
		if errors.Is(err, errNoExec) || err == nil && info.ended() {
			return
		}
		if err != nil {
			s.log.Debug("cannot tell whether an abandoned exec runs", "exec", id, "err", err)
			return
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := s.b.EndExec(ctx, t.container, t.marker); err != nil {
		s.log.Warn("cannot end a rancher docker exec whose client left", "exec", id,
			"err", err)
		return
	}
	s.log.Debug("ended a rancher docker exec whose client left", "exec", id)
}
