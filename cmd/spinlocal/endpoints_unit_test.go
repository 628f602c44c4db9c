package main

import (
	"bytes"
	"testing"

	"github.com/spinlocal/spinlocal/fakeapi/client"
)

func TestPrintEndpointsSaysUDPAndLoopback(t *testing.T) {
	svc := client.Resource{"name": "web",
		"launchConfig": map[string]any{"ports": []any{"55071:8080/tcp", "55077:53/udp",
			"0.0.0.0:55076:8081", "9000"}},
		"publicEndpoints": []any{
			map[string]any{"ipAddress": "127.0.0.1", "port": float64(55071)},
			map[string]any{"ipAddress": "127.0.0.1", "port": float64(55077)},
			map[string]any{"ipAddress": "0.0.0.0", "port": float64(55076)},
		}}
	var out bytes.Buffer
	printEndpoints(&out, &client.Deployment{Stack: client.Resource{"name": "st"},
		Services: []client.Resource{svc}})
	want := "st/web: http://127.0.0.1:55071/\n" +
		"st/web: 127.0.0.1:55077 (udp)\n" +
		"st/web: http://127.0.0.1:55076/\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
