package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"syscall"

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
	// gateway is set when addr is on Docker's host gateway, which the port binds besides
	// the bind host (publicroute.go): the user never named that address.
	gateway bool
}

func (p *portConflict) Error() string {
	where := ""
	if p.gateway {
		where = " (Docker's host gateway, where spinlocal also publishes ports so that " +
			"containers reach them by public name)"
	}
	return fmt.Sprintf("host port %s%s is already in use by %s; stop it or publish another "+
		"port", p.addr, where, p.holder)
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
	host, p, splitErr := net.SplitHostPort(addr)
	port, convErr := strconv.Atoi(p)
	if splitErr != nil || convErr != nil {
		return &portConflict{addr: addr, holder: "another container or program"}
	}
	holder, users := e.portHolder(ctx, proto, port)
	conflict := &portConflict{addr: addr, holder: holder}
	if host != "" && host == e.gatewayBind() {
		// Docker may try the gateway binding first. The user knows the port by the bind
		// host's address: name that when the port is taken there too.
		if e.takenOnBindHost(proto, port, users) {
			conflict.addr = net.JoinHostPort(e.cfg.BindHost, p)
		} else {
			conflict.gateway = true
		}
	}
	if proto == portowner.UDP {
		conflict.addr += "/udp"
	}
	return conflict
}

// takenOnBindHost reports whether host port port is held on the bind host as well: by a
// container that publishes it there (or everywhere), or, with no container holding it, by
// a program, found by trying to bind it. The try takes nothing from a container: one that
// publishes the port on the bind host fails on the gateway anyway.
func (e *Emulator) takenOnBindHost(proto string, port int, users []engine.PortUser) bool {
	for _, u := range users {
		for _, ip := range u.HostIPs {
			if ip == e.cfg.BindHost || engine.IsWildcardHost(ip) {
				return true
			}
		}
	}
	if len(users) > 0 {
		return false
	}
	addr := net.JoinHostPort(e.cfg.BindHost, strconv.Itoa(port))
	var err error
	if proto == portowner.UDP {
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", addr); err == nil {
			pc.Close()
		}
	} else {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			ln.Close()
		}
	}
	return errors.Is(err, syscall.EADDRINUSE)
}

// gatewayBind is the address published ports bind besides the bind host, "" for none or
// not decided yet.
func (e *Emulator) gatewayBind() string {
	e.gwMu.Lock()
	defer e.gwMu.Unlock()
	if e.route == nil {
		return ""
	}
	return e.route.bind
}

// portHolder describes who publishes or listens on a host port, and returns the
// containers that publish it.
func (e *Emulator) portHolder(ctx context.Context, proto string, port int) (string,
	[]engine.PortUser) {
	users, err := e.eng.PortUsers(ctx, port)
	if err != nil {
		e.log.Warn("cannot list the containers that publish a port", "port", port, "err", err)
	}
	if len(users) > 0 {
		return e.describeContainer(users[0]), users
	}
	return e.processHolder(ctx, proto, port), nil
}

// processHolder describes the program that listens on a host port, or how to find it.
func (e *Emulator) processHolder(ctx context.Context, proto string, port int) string {
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
