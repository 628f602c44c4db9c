package emulator

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
)

// Docker's "port is already allocated" becomes a message with the Cattle name of the
// daemon's container that publishes the port.
func TestPortTakenNamesTheContainer(t *testing.T) {
	e, eng := newEmu(t)
	holder := mustStack(t, e, "holder")
	scale := 1
	web, err := e.CreateService(alice, testPID, ServiceInput{Name: "web",
		StackID: holder.ID, Scale: &scale, LaunchConfig: map[string]any{
			"imageUuid": "docker:nginx:1.25", "ports": []string{"8080:80"}}})
	if err != nil {
		t.Fatal(err)
	}
	mustAction(t, e, web.ID, "activate")
	passes(t, e, 2)

	eng.setErrors(nil, errors.New("driver failed programming external connectivity: "+
		"Bind for 127.0.0.1:8080 failed: port is already allocated"))
	other := mustStack(t, e, "other")
	app := mustService(t, e, other.ID, "app", 1)
	mustAction(t, e, app.ID, "activate")
	passes(t, e, 1)
	want := "other-app-1: host port 127.0.0.1:8080 is already in use by container " +
		"holder-web-1 of stack holder; stop it or publish another port"
	if msg := getService(t, e, app.ID).TransitioningMessage; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

// A port held by no container and no process the daemon can see gets the commands
// that find its owner.
func TestPortTakenByUnknownProgram(t *testing.T) {
	e, _ := newEmu(t)
	err := e.explainPort(t.Context(), errors.New("Error response from daemon: "+
		"driver failed programming external connectivity on endpoint x: Error starting "+
		"userland proxy: listen tcp4 127.0.0.1:1: bind: address already in use"))
	msg := dockerReason(err)
	for _, part := range []string{"host port 127.0.0.1:1 is already in use by ",
		"ss -ltnp 'sport = :1'", "lsof -nP -iTCP:1 -sTCP:LISTEN"} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q lacks %q", msg, part)
		}
	}
	other := errors.New("no such image")
	if got := e.explainPort(t.Context(), other); got != other {
		t.Errorf("an unrelated error became %v", got)
	}
}

// A UDP port held by a process of the host names that process, as for TCP.
func TestPortTakenUDPNamesTheProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finding the process behind a port needs Linux /proc")
	}
	e, _ := newEmu(t)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	addr := pc.LocalAddr().String()
	err = e.explainPort(t.Context(), errors.New("driver failed programming external "+
		"connectivity on endpoint x: Error starting userland proxy: listen udp4 "+addr+
		": bind: address already in use"))
	msg := dockerReason(err)
	want := fmt.Sprintf("host port %s/udp is already in use by process %d", addr, os.Getpid())
	if !strings.Contains(msg, want) {
		t.Fatalf("message %q lacks %q", msg, want)
	}
}
