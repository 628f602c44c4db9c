package portowner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// ErrUnsupported is returned where the system offers no way to look (not Linux).
var ErrUnsupported = errors.New("finding the process behind a port needs Linux /proc")

// Listener is a listening socket and, when the daemon may see it, its process.
type Listener struct {
	Port  int
	UID   int
	Inode uint64
	// PID and Command are zero when the socket belongs to a process the daemon cannot
	// inspect (another user's, without root).
	PID     int
	Command string
}

// String describes the listener for an error message.
func (l Listener) String() string {
	if l.PID == 0 {
		return fmt.Sprintf("a process of uid %d", l.UID)
	}
	if l.Command == "" {
		return fmt.Sprintf("process %d", l.PID)
	}
	return fmt.Sprintf("process %d (%s)", l.PID, l.Command)
}

// Socket states in /proc/net/{tcp,udp}: a listening TCP socket, a bound UDP one.
const (
	listenState = "0A"
	udpBound    = "07"
)

// Protocols Find looks at.
const (
	TCP = "tcp"
	UDP = "udp"
)

// parseTCP reads a /proc/net/tcp or tcp6 table and returns the listening sockets on
// port.
func parseTCP(r io.Reader, port int) ([]Listener, error) {
	return parseTable(r, port, listenState)
}

// parseTable reads a /proc/net socket table and returns the sockets in state on port.
func parseTable(r io.Reader, port int, state string) ([]Listener, error) {
	var out []Listener
	sc := bufio.NewScanner(r)
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != state {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if !ok || err != nil || int(p) != port {
			continue
		}
		uid, err := strconv.Atoi(f[7])
		if err != nil {
			return nil, fmt.Errorf("tcp table: uid %q: %w", f[7], err)
		}
		inode, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("tcp table: inode %q: %w", f[9], err)
		}
		out = append(out, Listener{Port: port, UID: uid, Inode: inode})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tcp table: %w", err)
	}
	return out, nil
}

// socketInode reads the inode out of a /proc/PID/fd link such as "socket:[1234]".
func socketInode(link string) (uint64, bool) {
	rest, ok := strings.CutPrefix(link, "socket:[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64)
	return n, err == nil
}

// maxCommand bounds the command line shown in a message.
const maxCommand = 60

// commandLine turns the NUL-separated /proc/PID/cmdline into one short line: the
// program's base name and its arguments, blanks squeezed, cut at maxCommand characters.
func commandLine(raw []byte) string {
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	args[0] = path.Base(args[0])
	// Arguments may hold newlines (python3 -c '...'): a message wants one line.
	line := strings.Join(strings.Fields(strings.Join(args, " ")), " ")
	if len(line) > maxCommand {
		line = line[:maxCommand-3] + "..."
	}
	return line
}
