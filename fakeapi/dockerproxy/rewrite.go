package dockerproxy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/spinlocal/spinlocal/emulator"
)

// scopeQuery adds the daemon's labels to a list or events query's filters, so that Docker
// sends only the environment's containers, and takes out the list limit, which the proxy
// applies itself after dropping other users' containers. It returns the limit (0: none).
func scopeQuery(q url.Values, labels map[string]string) (url.Values, int, error) {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	limit := 0
	if v := out.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, 0, fmt.Errorf("limit %q is not a number", v)
		}
		limit = max(n, 0)
		out.Del("limit")
	}
	filters := map[string]json.RawMessage{}
	if raw := out.Get("filters"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &filters); err != nil {
			return nil, 0, fmt.Errorf("filters are not a JSON object: %w", err)
		}
	}
	have, err := labelFilter(filters["label"])
	if err != nil {
		return nil, 0, err
	}
	for k, v := range labels {
		have[k+"="+v] = true
	}
	enc, _ := json.Marshal(have)
	filters["label"] = enc
	all, _ := json.Marshal(filters)
	out.Set("filters", string(all))
	return out, limit, nil
}

// labelFilter reads a label filter in either of Docker's forms: {"a=b":true} or ["a=b"].
func labelFilter(raw json.RawMessage) (map[string]bool, error) {
	set := map[string]bool{}
	if len(raw) == 0 {
		return set, nil
	}
	if err := json.Unmarshal(raw, &set); err == nil {
		return set, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("the label filter is neither a map nor a list: %w", err)
	}
	for _, l := range list {
		set[l] = true
	}
	return set, nil
}

// filterList keeps the caller's containers of Docker's container list, named as rancher
// ps names them, and at most limit of them (0: all).
func filterList(body []byte, ts []emulator.DockerTarget, limit int) ([]byte, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("read the container list: %w", err)
	}
	kept := make([]map[string]json.RawMessage, 0, len(items))
	for _, it := range items {
		var id string
		_ = json.Unmarshal(it["Id"], &id)
		t, ok := byDockerID(ts, id)
		if !ok || !t.Mine {
			continue
		}
		it["Names"], _ = json.Marshal([]string{"/" + t.Name})
		kept = append(kept, it)
		if limit > 0 && len(kept) == limit {
			break
		}
	}
	return json.Marshal(kept)
}

// sanitizeInfo hides the engine's proxy settings (their URLs may carry passwords) and
// counts only the caller's containers.
func sanitizeInfo(body []byte, ts []emulator.DockerTarget) ([]byte, error) {
	var info map[string]json.RawMessage
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("read the engine info: %w", err)
	}
	for _, k := range []string{"HttpProxy", "HttpsProxy", "NoProxy"} {
		if _, ok := info[k]; ok {
			info[k] = json.RawMessage(`""`)
		}
	}
	all, running := 0, 0
	for _, t := range ts {
		if t.Mine {
			all++
			if t.Running {
				running++
			}
		}
	}
	counts := map[string]int{"Containers": all, "ContainersRunning": running,
		"ContainersPaused": 0, "ContainersStopped": all - running}
	for k, n := range counts {
		info[k] = json.RawMessage(strconv.Itoa(n))
	}
	return json.Marshal(info)
}
