package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/emulator/portowner"
)

// portTaken finds Docker's report of a host port already in use: "Bind for ... failed"
// when another container publishes it, "bind: address already in use" when a program
// of the host listens on it.
var portTaken = regexp.MustCompile(`Bind for ([0-9a-fA-F.:\[\]]+) failed: port is already ` +
	`allocated|listen (tcp|udp)[46]? ([0-9a-fA-F.:\[\]]+): bind: address already in use`)

// portConflict is a published host port that someone else holds.
type portConflict struct {
	addr   string // as Docker reported it, e.g. 127.0.0.1:8080
	holder string // who holds it, or how to find out
}

func (p *portConflict) Error() string {
	return fmt.Sprintf("host port %s is already in use by %s; stop it or publish another "+
		"port", p.addr, p.holder)
}

// explainPort turns Docker's port-in-use error into one that names who holds the port:
// a container of this daemon (its Cattle name and stack) or of another, any other
// Docker container, or the host process; other errors pass through.
func (e *Emulator) explainPort(ctx context.Context, err error) error {
	m := portTaken.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	addr, proto := m[1]+m[3], m[2]
	if proto == "" {
		proto = portowner.TCP
	}
	_, p, splitErr := net.SplitHostPort(addr)
	port, convErr := strconv.Atoi(p)
	if splitErr != nil || convErr != nil {
		return &portConflict{addr: addr, holder: "another container or program"}
	}
	if proto == portowner.UDP {
		addr += "/udp"
	}
	return &portConflict{addr: addr, holder: e.portHolder(ctx, proto, port)}
}

// portHolder describes who publishes or listens on a host port.
func (e *Emulator) portHolder(ctx context.Context, proto string, port int) string {
	users, err := e.eng.PortUsers(ctx, port)
	if err != nil {
		e.log.Warn("cannot list the containers that publish a port", "port", port, "err", err)
	}
	if len(users) > 0 {
		return e.describeContainer(users[0])
	}
	listeners, err := portowner.Find(ctx, proto, port)
	if err != nil && !errors.Is(err, portowner.ErrUnsupported) {
		e.log.Warn("cannot find the process behind a port", "port", port, "err", err)
	}
	for _, l := range listeners {
		if l.PID != 0 {
			return l.String()
		}
	}
	hint := fmt.Sprintf("find it with `ss -ltnp 'sport = :%d'` or `lsof -nP -iTCP:%d "+
		"-sTCP:LISTEN`", port, port)
	if proto == portowner.UDP {
		hint = fmt.Sprintf("find it with `ss -lunp 'sport = :%d'` or `lsof -nP -iUDP:%d`",
			port, port)
	}
	if len(listeners) > 0 {
		return fmt.Sprintf("%s (%s, as root)", listeners[0], hint)
	}
	return fmt.Sprintf("another program (%s)", hint)
}

// describeContainer names a container that publishes a port the way its owner knows it.
func (e *Emulator) describeContainer(u engine.PortUser) string {
	cattle, stack := u.Labels["io.rancher.container.name"], u.Labels["io.rancher.stack.name"]
	daemon := u.Labels[engine.LabelDaemon]
	switch {
	case daemon == e.daemonID && cattle != "":
		return fmt.Sprintf("container %s of stack %s", cattle, stack)
	case daemon != "" && cattle != "":
		return fmt.Sprintf("container %s of stack %s of another spinlocal daemon (Docker "+
			"container %s)", cattle, stack, u.Name)
	}
	return fmt.Sprintf("Docker container %s", u.Name)
}
