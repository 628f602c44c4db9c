package dockerproxy

import (
	"fmt"
	"net/http"
	"strings"
)

// refusal is an answer the proxy gives instead of Docker. The docker client prints its
// message after "Error response from daemon: ".
type refusal struct {
	status  int
	message string
}

// allowed is the list a generic refusal ends with.
const allowed = "rancher docker allows ps, inspect, logs, top, stats, diff, export, cp, " +
	"wait, exec and attach on your own containers, and version, info, events and images"

// rancherVerb maps the docker commands that change a container's state to the Rancher
// CLI command that does it through the container's service.
var rancherVerb = map[string]string{"start": "start", "stop": "stop", "kill": "stop",
	"restart": "restart", "rm": "rm"}

// refuse explains why a request does not pass and what to use instead.
func refuse(method string, seg []string) *refusal {
	what := describe(method, seg)
	var why, instead string
	switch area := seg[0]; {
	case area == "containers" && len(seg) == 2 && seg[1] == "create":
		what = "creating containers"
		why = "containers run only as parts of services"
		instead = "use rancher run or rancher up"
	case area == "containers" && rancherVerb[command(method, seg)] != "":
		why = "the container's service decides whether it runs"
		if command(method, seg) == "rm" {
			why = "the container's service decides which containers it has"
		}
		instead = fmt.Sprintf("use rancher %s %s", rancherVerb[command(method, seg)], seg[1])
	case area == "containers" && len(seg) <= 3:
		why = "Spin has no such action"
		instead = "change the service's compose file and run rancher up --upgrade"
	case area == "images" || area == "build" || area == "commit":
		why = "images are shared by every user of the host"
		instead = "pull with rancher up --pull, and build with docker itself"
	case area == "volumes":
		if method == http.MethodGet && len(seg) > 1 {
			return notFound("volume", seg)
		}
		why = "volumes belong to the environment"
		instead = "use rancher volume ls, create or rm"
	case area == "networks":
		if method == http.MethodGet && len(seg) > 1 {
			return notFound("network", seg)
		}
		why = "spinlocal makes each environment's network itself"
		instead = "publish ports or link services in the compose file"
	case method == http.MethodGet && (len(seg) == 2 || len(seg) == 3 && seg[2] == "json"):
		// docker inspect tries every kind of object in turn and goes on after "not
		// found"; services, nodes, plugins, secrets and configs are none of the caller's.
		return notFound(strings.TrimSuffix(area, "s"), seg[:2])
	default:
		why = "it reaches beyond your own containers"
		instead = allowed
	}
	return &refusal{status: http.StatusForbidden, message: fmt.Sprintf(
		"spinlocal: %s is not allowed through rancher docker: %s; %s", what, why, instead)}
}

// command names the docker command behind a container request: "stop", "rm", ...
func command(method string, seg []string) string {
	if len(seg) == 2 && method == http.MethodDelete {
		return "rm"
	}
	if len(seg) == 3 && method == http.MethodPost {
		return seg[2]
	}
	return ""
}

// describe names a request in a refusal: "docker stop" where the command is plain, else
// its method and path.
func describe(method string, seg []string) string {
	if seg[0] == "containers" {
		if c := command(method, seg); c != "" {
			return "docker " + c
		}
	}
	return method + " /" + strings.Join(seg, "/")
}

// notFound answers the way Docker does for an object that is not there, so that the
// docker client's own not-found handling applies.
func notFound(kind string, seg []string) *refusal {
	name := strings.Join(seg[1:], "/")
	return &refusal{status: http.StatusNotFound, message: fmt.Sprintf(
		"No such %s: %s (rancher docker reaches only your own containers)", kind, name)}
}

// notMine refuses a container of somebody else's stack.
func notMine(name, stack string) *refusal {
	return &refusal{status: http.StatusForbidden, message: fmt.Sprintf(
		"spinlocal: container %s is not yours: it belongs to stack %s, and rancher docker "+
			"reaches only the containers of your own stacks (or your groups')", name, stack)}
}

// noSuchContainer is Docker's own answer for an unknown container.
func noSuchContainer(ref string) *refusal {
	return &refusal{status: http.StatusNotFound, message: "No such container: " + ref}
}

// privileged refuses an exec that asks for privileges.
func privileged() *refusal {
	return &refusal{status: http.StatusForbidden, message: "spinlocal: privileged exec is " +
		"not allowed through rancher docker: a command gets no more privileges than its " +
		"container; drop --privileged"}
}

// otherUser refuses an exec as a user the container was not started with: Spin's rules
// keep containers off root, and -u would step around them.
func otherUser(user string) *refusal {
	return &refusal{status: http.StatusForbidden, message: "spinlocal: exec as user " +
		user + " is not allowed through rancher docker: a command runs as its container's " +
		"user; drop -u"}
}

// attachWithoutInput refuses docker attach to a container that reads no input (no
// stdin_open, or --no-stdin): the Rancher CLI closes such a connection as soon as the
// docker client says it will send nothing, before any output comes.
func attachWithoutInput(name string) *refusal {
	return &refusal{status: http.StatusForbidden, message: fmt.Sprintf(
		"spinlocal: docker attach without input is not possible through rancher docker: "+
			"the Rancher CLI closes the connection before any output arrives; use docker "+
			"logs -f %s", name)}
}
