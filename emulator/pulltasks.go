package emulator

import (
	"context"
	"sort"
	"strings"
	"time"
)

// PullTask is a request to pull an image on every host (`rancher up --pull`). Tasks live
// in memory only: they finish in seconds and mean nothing after a restart.
type PullTask struct {
	Meta
	Image  string            `json:"image"`
	Status map[string]string `json:"status"`
}

// CreatePullTask starts pulling image and returns the task in its transitioning state.
func (e *Emulator) CreatePullTask(ctx context.Context, pid, image string) (PullTask, error) {
	image = strings.TrimPrefix(image, "docker:")
	if image == "" {
		return PullTask{}, invalid("MissingRequired", "image", "a pull task needs an image")
	}
	id, err := e.nextID("pt")
	if err != nil {
		return PullTask{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	host := e.hosts[HostID]
	t := &PullTask{Meta: Meta{ID: id, Type: "pullTask", Name: image, UUID: newUUID(),
		AccountID: pid, Created: time.Now().UTC()}, Image: image,
		Status: map[string]string{host.Hostname: "Pulling"}}
	setState(&t.Meta, "activating", "")
	if e.pulls == nil {
		e.pulls = map[string]*PullTask{}
	}
	e.pulls[id] = t
	go e.runPull(context.WithoutCancel(ctx), id, host.Hostname)
	return *t, nil
}

func (e *Emulator) runPull(ctx context.Context, id, host string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	e.mu.Lock()
	image := e.pulls[id].Image
	e.mu.Unlock()
	warning, err := e.eng.Pull(ctx, image)
	if warning != "" {
		e.log.Warn("pull task", "image", image, "warning", warning)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.pulls[id]
	if err != nil {
		t.Status = map[string]string{host: err.Error()}
		setState(&t.Meta, "error", err.Error())
		return
	}
	t.Status = map[string]string{host: "Done"}
	setState(&t.Meta, "active", warning)
}

// PullTasks lists the pull tasks of an environment.
func (e *Emulator) PullTasks(pid string) []PullTask {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []PullTask
	for _, t := range e.pulls {
		if t.AccountID == pid {
			out = append(out, *t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}
