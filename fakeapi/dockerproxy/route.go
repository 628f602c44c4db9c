package dockerproxy

import (
	"net/http"
	"regexp"
	"strings"
)

// reply says how the proxy treats Docker's answer to a request it lets through.
type reply int

const (
	replyAsIs   reply = iota
	replyList         // container list: the caller's containers, under their Cattle names
	replyInfo         // engine info: proxy settings hidden, the caller's container counts
	replyEvents       // event stream: the caller's containers only
	replyExec         // exec inspection: exit code 1 when its output was withheld
)

// verdict is what the proxy does with one request.
type verdict struct {
	refusal    *refusal
	container  bool // seg[1] names a container that must be the caller's
	exec       bool // seg[1] names an exec instance whose container must be the caller's
	execConfig bool // the body is an exec config, which must ask for no privileges
	reply      reply
	limit      int      // the most containers a list may show; 0: no limit
	hold       bool     // an exec stream without input: see hijackHeld
	tag        *execTag // the tag an exec create added to the config
}

// versionPrefix is the optional API version the docker client puts before every path.
var versionPrefix = regexp.MustCompile(`^/v[0-9]+(\.[0-9]+)?/`)

// splitPath separates the version prefix ("/v1.41", or "") from the path's segments.
func splitPath(path string) (string, []string) {
	prefix := ""
	if loc := versionPrefix.FindStringIndex(path); loc != nil {
		prefix, path = path[:loc[1]-1], path[loc[1]-1:]
	}
	return prefix, strings.Split(strings.Trim(path, "/"), "/")
}

// joinPath is the inverse of splitPath.
func joinPath(prefix string, seg []string) string {
	return prefix + "/" + strings.Join(seg, "/")
}

// route decides a request by its method and path: the read and exec calls on containers
// pass (their container is checked later), everything else is refused with a reason.
func route(method string, seg []string) verdict {
	get := method == http.MethodGet
	read := get || method == http.MethodHead
	switch {
	// Image names may hold slashes: /images/{name}/json has no fixed length.
	case len(seg) == 1 && seg[0] == "_ping" && read,
		len(seg) == 1 && seg[0] == "version" && get,
		len(seg) >= 2 && seg[0] == "images" && seg[len(seg)-1] == "json" && get:
		return verdict{}
	case len(seg) == 1 && seg[0] == "info" && get:
		return verdict{reply: replyInfo}
	case len(seg) == 1 && seg[0] == "events" && get:
		return verdict{reply: replyEvents}
	case len(seg) == 2 && seg[0] == "containers" && seg[1] == "json" && get:
		return verdict{reply: replyList}
	case len(seg) == 3 && seg[0] == "containers":
		return containerRoute(method, seg)
	case len(seg) == 3 && seg[0] == "exec":
		return execRoute(method, seg)
	}
	return verdict{refusal: refuse(method, seg)}
}

// containerRoute decides /containers/{name}/{op}.
func containerRoute(method string, seg []string) verdict {
	op := seg[2]
	ok := false
	switch method {
	case http.MethodGet:
		ok = op == "json" || op == "logs" || op == "top" || op == "stats" ||
			op == "changes" || op == "export" || op == "archive"
	case http.MethodHead:
		ok = op == "archive"
	case http.MethodPut:
		// docker cp into the container: no more than exec can do.
		ok = op == "archive"
	case http.MethodPost:
		if op == "exec" {
			return verdict{container: true, execConfig: true}
		}
		ok = op == "attach" || op == "resize" || op == "wait"
	}
	if !ok {
		return verdict{refusal: refuse(method, seg)}
	}
	return verdict{container: true}
}

// execRoute decides /exec/{id}/{op}.
func execRoute(method string, seg []string) verdict {
	op := seg[2]
	if method == http.MethodGet && op == "json" {
		return verdict{exec: true, reply: replyExec}
	}
	if method == http.MethodPost && (op == "start" || op == "resize") {
		return verdict{exec: true}
	}
	return verdict{refusal: refuse(method, seg)}
}
