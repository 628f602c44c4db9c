package portowner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Find returns the sockets listening on TCP port, or bound to UDP port (proto UDP), in the
// daemon's network namespace, each with its process when the daemon may look into it.
// ctx bounds the scan of /proc.
func Find(ctx context.Context, proto string, port int) ([]Listener, error) {
	var found []Listener
	tables, state := []string{"/proc/net/tcp", "/proc/net/tcp6"}, listenState
	if proto == UDP {
		tables, state = []string{"/proc/net/udp", "/proc/net/udp6"}, udpBound
	}
	for _, table := range tables {
		f, err := os.Open(table)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find the owner of port %d: %w", port, err)
		}
		ls, err := parseTable(f, port, state)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("find the owner of port %d: %w", port, err)
		}
		found = append(found, ls...)
	}
	if len(found) == 0 {
		return nil, nil
	}
	byInode := map[uint64]int{}
	for i, l := range found {
		byInode[l.Inode] = i
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return found, fmt.Errorf("find the owner of port %d: %w", port, err)
	}
	for _, p := range procs {
		if ctx.Err() != nil {
			return found, ctx.Err()
		}
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		if err != nil {
			// Gone, or another user's process.
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name()))
			inode, ok := socketInode(link)
			i, mine := byInode[inode]
			if err != nil || !ok || !mine || found[i].PID != 0 {
				continue
			}
			found[i].PID = pid
			raw, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
			found[i].Command = commandLine(raw)
		}
	}
	return found, nil
}
