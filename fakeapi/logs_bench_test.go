package fakeapi_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

// BenchmarkLogsThroughput compares reading a container's whole log through the API's
// logs websocket (what `rancher logs --tail -1` does) with Docker's own log stream
// (`docker logs`) of the same container. It reports MB/s of each and their ratio.
//
//	go test -run '^$' -bench LogsThroughput -benchtime 5x ./fakeapi/
func BenchmarkLogsThroughput(b *testing.B) {
	d := apitest.StartClean(b)
	c := d.Client
	stack, err := c.Create(b.Context(), "stacks", map[string]any{"name": "logbench"})
	if err != nil {
		b.Fatal(err)
	}
	lc := sleeper()
	// 200,000 lines of 100 bytes: 20 MB of stdout.
	lc["command"] = []string{"sh", "-c", "i=0; while [ $i -lt 2000 ]; do " +
		"for j in 0 1 2 3 4 5 6 7 8 9; do for k in 0 1 2 3 4 5 6 7 8 9; do " +
		"echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; done; done; i=$((i+1)); done; echo done-writing; " +
		"trap 'exit 0' TERM; while true; do sleep 1; done"}
	svc, err := c.Create(b.Context(), "services", map[string]any{"name": "app",
		"stackId": stack.Str("id"), "scale": 1, "launchConfig": lc})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Action(b.Context(), svc, "activate", nil); err != nil {
		b.Fatal(err)
	}
	var ct client.Resource
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		items, _ := c.List(b.Context(), "services/"+svc.Str("id")+"/instances", nil)
		if len(items) == 1 && items[0].Str("state") == "running" {
			ct = items[0]
			last := ""
			_ = c.StreamLogs(b.Context(), ct, map[string]any{"follow": false, "lines": 1,
				"timestamps": false}, func(l client.LogLine) { last = l.Text })
			if last == "done-writing" {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	if ct == nil {
		b.Fatal("the log writer did not finish")
	}
	var apiBytes, dockerBytes int64
	var apiTime, dockerTime time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		err := c.StreamLogs(b.Context(), ct, map[string]any{"follow": false, "lines": -1,
			"timestamps": false}, func(l client.LogLine) { apiBytes += int64(len(l.Text) + 1) })
		if err != nil {
			b.Fatal(err)
		}
		apiTime += time.Since(start)

		start = time.Now()
		rc, _, err := d.Engine.Logs(context.Background(), ct.Str("externalId"),
			engine.LogOptions{Tail: -1})
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		dockerBytes += n
		dockerTime += time.Since(start)
	}
	apiRate := float64(apiBytes) / 1e6 / apiTime.Seconds()
	dockerRate := float64(dockerBytes) / 1e6 / dockerTime.Seconds()
	b.ReportMetric(apiRate, "api-MB/s")
	b.ReportMetric(dockerRate, "docker-MB/s")
	b.ReportMetric(apiRate/dockerRate, "ratio")
}
