package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
)

// LogLine is one line of container output.
type LogLine struct {
	Stderr bool
	Text   string
}

// StreamLogs asks for a container's logs (the CLI's `logs` action) and calls fn for every
// line until the stream ends or ctx is done. body nil means the daemon's defaults (follow,
// last 100 lines, timestamps), as `rancher up` asks.
func (c *Client) StreamLogs(ctx context.Context, container Resource, body any,
	fn func(LogLine)) error {
	if body == nil {
		body = map[string]any{}
	}
	var access struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	}
	u := container.Action("logs")
	if u == "" {
		return fmt.Errorf("container %s offers no logs (state %s)", container.Str("name"),
			container.Str("state"))
	}
	if err := c.Do(ctx, http.MethodPost, u, body, &access); err != nil {
		return fmt.Errorf("logs of %s: %w", container.Str("name"), err)
	}
	h := http.Header{}
	auth := base64.StdEncoding.EncodeToString([]byte(c.AccessKey + ":" + c.SecretKey))
	h.Set("Authorization", "Basic "+auth)
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, access.URL+"?token="+access.Token,
		h)
	if err != nil {
		return fmt.Errorf("logs of %s: %w", container.Str("name"), err)
	}
	defer conn.Close()
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("logs of %s: %w", container.Str("name"), err)
		}
		if len(msg) < 3 {
			continue
		}
		fn(LogLine{Stderr: string(msg[:2]) == "02", Text: strings.TrimSuffix(string(msg[3:]),
			"\n")})
	}
}
