package portowner

import (
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
)

// table is /proc/net/tcp cut after the inode column, which is all parseTCP reads.
const table = `sl local_address rem_address st tx_queue rx_queue tr tm->when retr uid tmout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0 4242
   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000 1000 0 4343
   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    0 0 99
`

func TestParseTCP(t *testing.T) {
	got, err := parseTCP(strings.NewReader(table), 8080)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].UID != 1000 || got[0].Inode != 4242 {
		t.Fatalf("got %+v, want the one listener of uid 1000, inode 4242", got)
	}
	if got[0].String() != "a process of uid 1000" {
		t.Errorf("String() = %q", got[0].String())
	}
}

func TestSocketInodeAndCommand(t *testing.T) {
	if n, ok := socketInode("socket:[4242]"); !ok || n != 4242 {
		t.Errorf("socketInode = %d, %v", n, ok)
	}
	for _, bad := range []string{"pipe:[1]", "socket:[x]", "/dev/null"} {
		if _, ok := socketInode(bad); ok {
			t.Errorf("socketInode(%q) read an inode", bad)
		}
	}
	if c := commandLine([]byte("/usr/bin/python3\x00-m\x00http.server\x00")); c !=
		"python3 -m http.server" {
		t.Errorf("commandLine = %q", c)
	}
	if c := commandLine([]byte("sh\x00-c\x00sleep 1\n\tsleep 2\x00")); c !=
		"sh -c sleep 1 sleep 2" {
		t.Errorf("commandLine kept blanks: %q", c)
	}
	long := commandLine([]byte("/bin/sleep\x00" + strings.Repeat("9", 100)))
	if len(long) != maxCommand || !strings.HasSuffix(long, "...") {
		t.Errorf("a long command line became %q", long)
	}
}

// Find names this very process as the owner of a port it listens on.
func TestFindThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux /proc")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	got, err := Find(t.Context(), TCP, port)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PID != os.Getpid() ||
		!strings.HasPrefix(got[0].Command, "portowner.test") {
		t.Fatalf("Find(%d) = %+v, want this process (%d)", port, got, os.Getpid())
	}
}
