package dockerproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// errNoExec means Docker knows no exec instance by that id.
var errNoExec = errors.New("no such exec instance")

// execInfo is what the proxy needs to know of an exec instance.
type execInfo struct {
	ContainerID   string
	OpenStdin     bool
	ProcessConfig struct{ Tty bool }
	Running       bool
	Pid           int
	ExitCode      *int
}

// ended tells a finished exec from one that Docker has not started yet: both are not
// Running, but only a started one has a pid, and one that failed to start has an exit
// code (126 or 127) as the engine's exec sessions see it.
func (i execInfo) ended() bool {
	return !i.Running && (i.Pid != 0 || i.ExitCode != nil && *i.ExitCode != 0)
}

// inspectExec asks Docker about an exec instance, on a connection of its own: the
// session's may be about to carry the exec's streams.
func inspectExec(ctx context.Context, b Backend, prefix, id string) (execInfo, error) {
	tr := &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return b.Dial(ctx)
		}}
	defer tr.CloseIdleConnections()
	u := "http://docker" + prefix + "/exec/" + url.PathEscape(id) + "/json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return execInfo{}, fmt.Errorf("inspect exec %s: %w", id, err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return execInfo{}, fmt.Errorf("inspect exec %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return execInfo{}, errNoExec
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return execInfo{}, fmt.Errorf("inspect exec %s: Docker answered %s: %s", id,
			resp.Status, msg)
	}
	var info execInfo
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return execInfo{}, fmt.Errorf("inspect exec %s: %w", id, err)
	}
	return info, nil
}
