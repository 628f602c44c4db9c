package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
)

// Two networks of one name, as a killed daemon's create racing its successor's leaves on
// Docker before API 1.44, end as one when the daemon ensures the network.
func TestEnsureNetworkLeavesOneOfDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs Docker (skipped with -short)")
	}
	ctx := t.Context()
	d, err := NewDocker(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		if os.Getenv("SPINLOCAL_REQUIRE_DOCKER") == "1" {
			t.Fatalf("Docker is required: %v", err)
		}
		t.Skipf("no Docker engine: %v", err)
	}
	name := fmt.Sprintf("sldupes-%d", os.Getpid())
	labels := map[string]string{LabelDaemon: "dupestest"}
	t.Cleanup(func() { _ = d.RemoveNetworks(context.Background(), labels) })
	// The client package always asks for the duplicate check, so the raw API is used.
	for i := range 2 {
		status, body := rawCreateNetwork(t, d, name, labels)
		if status != http.StatusCreated && i == 1 {
			t.Skipf("this Docker refuses duplicate network names itself: %s", body)
		}
		if status != http.StatusCreated {
			t.Fatalf("create network: %d %s", status, body)
		}
	}
	if _, err := d.EnsureNetwork(ctx, name, labels); err != nil {
		t.Fatalf("ensure with a duplicate: %v", err)
	}
	list, err := d.cli.NetworkList(ctx, network.ListOptions{
		Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d networks named %s after ensure, want 1", len(list), name)
	}
}

// rawCreateNetwork creates a network without Docker's duplicate-name check.
func rawCreateNetwork(t *testing.T, d *Docker, name string, labels map[string]string) (int,
	string) {
	t.Helper()
	conn, err := d.Dial(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body, _ := json.Marshal(map[string]any{"Name": name, "Driver": "bridge",
		"Labels": labels, "CheckDuplicate": false})
	req, err := http.NewRequest(http.MethodPost, "http://docker/v1.41/networks/create",
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
