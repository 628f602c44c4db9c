package emulator

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// healthCheck is a launch config's healthCheck with Cattle's defaults applied.
type healthCheck struct {
	port               int
	requestLine        string
	interval, timeout  time.Duration
	healthy, unhealthy int
	initTimeout        time.Duration
	reinitTimeout      time.Duration
	strategy           string
	quorum             int
}

// parseHealthCheck reads launchConfig.healthCheck; ok is false when there is none.
func parseHealthCheck(lc map[string]any) (healthCheck, bool) {
	m, _ := lc["healthCheck"].(map[string]any)
	if m == nil {
		return healthCheck{}, false
	}
	num := func(k string, def int) int {
		switch v := m[k].(type) {
		case float64:
			if v > 0 {
				return int(v)
			}
		case int64:
			if v > 0 {
				return int(v)
			}
		case int:
			if v > 0 {
				return v
			}
		case string:
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
		return def
	}
	hc := healthCheck{port: num("port", 0), interval: ms(num("interval", 2000)),
		timeout: ms(num("responseTimeout", 2000)), healthy: num("healthyThreshold", 2),
		unhealthy: num("unhealthyThreshold", 3), initTimeout: ms(num("initializingTimeout",
			60000)), reinitTimeout: ms(num("reinitializingTimeout", 60000)),
		strategy: "recreate", quorum: 1}
	hc.requestLine, _ = m["requestLine"].(string)
	if s, _ := m["strategy"].(string); s != "" {
		hc.strategy = s
	}
	if q, ok := m["recreateOnQuorumStrategyConfig"].(map[string]any); ok {
		hc.quorum = quorumOf(q)
	}
	return hc, hc.port > 0
}

// quorumOf reads recreateOnQuorumStrategyConfig.quorum (at least 1).
func quorumOf(q map[string]any) int {
	switch v := q["quorum"].(type) {
	case float64:
		return max(int(v), 1)
	case int64:
		return max(int(v), 1)
	}
	return 1
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// probe runs one check against ip: a TCP connect, or with a request line an HTTP request
// whose answer must be 2xx or 3xx. It returns "" on success, else the reason.
func (hc healthCheck) probe(ctx context.Context, ip string) string {
	ctx, cancel := context.WithTimeout(ctx, hc.timeout)
	defer cancel()
	addr := net.JoinHostPort(ip, strconv.Itoa(hc.port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Sprintf("cannot connect to port %d: %v", hc.port, unwrapOp(err))
	}
	defer conn.Close()
	if hc.requestLine == "" {
		return ""
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	line := strings.ReplaceAll(hc.requestLine, `"`, "")
	if _, err := fmt.Fprintf(conn, "%s\r\nHost: %s\r\nConnection: close\r\n\r\n", line,
		ip); err != nil {
		return fmt.Sprintf("send %q: %v", line, unwrapOp(err))
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Sprintf("no answer to %q within %s", line, hc.timeout)
	}
	fields := strings.Fields(status)
	if len(fields) < 2 || (fields[1][0] != '2' && fields[1][0] != '3') {
		return fmt.Sprintf("%q answered %q, want 2xx or 3xx", line, strings.TrimSpace(status))
	}
	return ""
}

func unwrapOp(err error) error {
	if op, ok := err.(*net.OpError); ok && op.Err != nil {
		return op.Err
	}
	return err
}
