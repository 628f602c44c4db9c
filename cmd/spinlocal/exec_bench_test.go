package main

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// BenchmarkExecStdin pipes 64 MiB into `wc -c` in a container with `spinlocal exec -i`
// (the API's exec websocket) and with `docker exec -i` on the same container, checks both
// counted every byte, and reports MiB/s of each and their ratio. The Rancher CLI v0.6
// cannot pipe stdin through exec (see docs/cli-compat.md), so spinlocal exec is the tool
// measured.
//
//	go test -run '^$' -bench ExecStdin -benchtime 3x ./cmd/spinlocal/
func BenchmarkExecStdin(b *testing.B) {
	if _, err := exec.LookPath("docker"); err != nil {
		b.Skip("needs the docker command for the comparison")
	}
	d := apitest.StartClean(b)
	deploySleeper(b, d, "execbench")
	items, err := d.Client.List(b.Context(), "containers", nil)
	if err != nil || len(items) != 1 {
		b.Fatalf("containers: %d %v", len(items), err)
	}
	dockerID := items[0].Str("externalId")
	const size = 64 << 20
	payload := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{3})
	_, _ = rng.Read(payload)
	want := strconv.Itoa(size)

	var api, docker time.Duration
	for range b.N {
		start := time.Now()
		out, errOut, code, err := runExecApp(b, d, bytes.NewReader(payload), "-i",
			"execbench/sh", "wc", "-c")
		if err != nil || code != 0 || strings.TrimSpace(out) != want {
			b.Fatalf("spinlocal exec: %v, status %d, out %q, stderr %q", err, code, out,
				errOut)
		}
		api += time.Since(start)

		start = time.Now()
		cmd := exec.CommandContext(b.Context(), "docker", "exec", "-i", dockerID, "wc", "-c")
		cmd.Stdin = bytes.NewReader(payload)
		raw, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(raw)) != want {
			b.Fatalf("docker exec: %v, out %q", err, raw)
		}
		docker += time.Since(start)
	}
	mib := float64(size>>20) * float64(b.N)
	b.ReportMetric(mib/api.Seconds(), "api-MiB/s")
	b.ReportMetric(mib/docker.Seconds(), "docker-MiB/s")
	b.ReportMetric(docker.Seconds()/api.Seconds(), "ratio")
}
