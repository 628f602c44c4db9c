package fakeapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func TestLogsOverWebsocket(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	stack := createStack(t, c, "logs")
	lc := sleeper()
	lc["command"] = []string{"sh", "-c",
		"echo out-1; echo err-1 >&2; echo out-2; trap 'exit 0' TERM; while true; do sleep 1; done"}
	svc := createService(t, c, stack, "app", lc, 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	settle(t, c, reload(t, c, svc), "active")
	ct := instances(t, c, svc)[0]

	var lines []client.LogLine
	apitest.Eventually(t, 20*time.Second, func() string {
		lines = nil
		body := map[string]any{"follow": false, "lines": 100, "timestamps": false}
		err := c.StreamLogs(t.Context(), ct, body, func(l client.LogLine) {
			lines = append(lines, l)
		})
		if err != nil {
			return err.Error()
		}
		if len(lines) < 3 {
			return apitest.Errf("only %d lines", len(lines))
		}
		return ""
	})
	want := map[string]bool{"out-1": false, "err-1": true, "out-2": false}
	for _, l := range lines {
		if isErr, ok := want[l.Text]; !ok || isErr != l.Stderr {
			t.Errorf("line %+v: unexpected text or stream", l)
		}
	}

	// tail 1 with timestamps: one line, starting with an RFC 3339 stamp.
	var tail []client.LogLine
	err := c.StreamLogs(t.Context(), ct, map[string]any{"follow": false, "lines": 1,
		"timestamps": true}, func(l client.LogLine) { tail = append(tail, l) })
	if err != nil || len(tail) != 1 || !strings.HasPrefix(tail[0].Text, "20") {
		t.Fatalf("tail 1: %v %+v", err, tail)
	}

	// Following (the null body of `rancher up`) keeps the socket open until we leave.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_ = c.StreamLogs(ctx, ct, nil, func(client.LogLine) {})
	if time.Since(start) < 1500*time.Millisecond {
		t.Error("follow stream closed on its own")
	}
}
