package fakeapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/spinlocal/spinlocal/fakeapi/apitest"
)

// The subscribe socket of `rancher events` and `--wait`: a ping first, then one
// resource.change frame per change, carrying the resource as GET shows it.
func TestSubscribeStreamsResourceChanges(t *testing.T) {
	d := apitest.StartClean(t)
	c := d.Client
	u := "ws" + strings.TrimPrefix(c.ProjectURL(), "http") +
		"/subscribe?eventNames=resource.change&eventNames=service.kubernetes.change"
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString(
		[]byte(c.AccessKey+":"+c.SecretKey)))
	conn, resp, err := websocket.DefaultDialer.DialContext(t.Context(), u, h)
	if err != nil {
		t.Fatalf("dial subscribe: %v (%v)", err, resp)
	}
	defer conn.Close()

	type frame struct {
		Name         string `json:"name"`
		ResourceType string `json:"resourceType"`
		ResourceID   string `json:"resourceId"`
		Data         struct {
			Resource map[string]any `json:"resource"`
		} `json:"data"`
	}
	read := func() frame {
		t.Helper()
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, raw, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var f frame
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("frame is not JSON: %s", raw)
		}
		return f
	}
	if f := read(); f.Name != "ping" {
		t.Fatalf("first frame = %+v, want a ping", f)
	}
	stack := createStack(t, c, "events")
	svc := createService(t, c, stack, "web", sleeper(), 1)
	if _, err := c.Action(t.Context(), svc, "activate", nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for !seen["service active"] {
		f := read()
		if f.Name == "ping" {
			continue
		}
		if f.Name != "resource.change" || f.ResourceID == "" ||
			f.Data.Resource["id"] != f.ResourceID {
			t.Fatalf("bad frame %+v", f)
		}
		if _, ok := f.Data.Resource["transitioning"].(string); !ok {
			t.Fatalf("frame resource lacks transitioning: %v", f.Data.Resource)
		}
		if f.Data.Resource["links"] == nil || f.Data.Resource["actions"] == nil {
			t.Fatalf("frame resource lacks links/actions: %v", f.Data.Resource)
		}
		seen[f.ResourceType+" "+f.Data.Resource["state"].(string)] = true
	}
	for _, want := range []string{"stack active", "service inactive", "service activating",
		"container running"} {
		if !seen[want] {
			t.Errorf("no %q frame; saw %v", want, seen)
		}
	}
}
