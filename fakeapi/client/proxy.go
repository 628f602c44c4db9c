package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/spinlocal/spinlocal/emulator"
)

// ProxyInfo says where the daemon's reverse proxy listens and where its CA is.
type ProxyInfo struct {
	HTTP   string `json:"http"`
	HTTPS  string `json:"https"`
	CAPath string `json:"caPath"`
}

// ProxyList is the daemon's proxy table.
type ProxyList struct {
	Entries []emulator.ProxyEntry `json:"entries"`
	Proxy   ProxyInfo             `json:"proxy"`
}

// URL is how a browser on this machine reaches an entry through the proxy.
func (p ProxyInfo) URL(e emulator.ProxyEntry) string {
	addr, scheme := p.HTTPS, "https"
	if addr == "" {
		addr, scheme = p.HTTP, "http"
	}
	if addr == "" {
		return ""
	}
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("%s://%s:%s/", scheme, e.Hostname, port)
}

// SetProxy adds or changes an entry of the client's environment.
func (c *Client) SetProxy(ctx context.Context, req emulator.ProxyRequest) (emulator.ProxyEntry,
	error) {
	var out emulator.ProxyEntry
	u := c.Base + "/spinlocal/v1/projects/" + c.Project + "/proxy"
	err := c.Do(ctx, http.MethodPost, u, req, &out)
	return out, err
}

// RemoveProxy removes the caller's entry for hostname.
func (c *Client) RemoveProxy(ctx context.Context, hostname string) error {
	return c.Do(ctx, http.MethodDelete, c.Base+"/spinlocal/v1/proxy/"+url.PathEscape(hostname),
		nil, nil)
}

// Proxy lists the proxy entries and where the proxy listens.
func (c *Client) Proxy(ctx context.Context) (ProxyList, error) {
	var out ProxyList
	err := c.Do(ctx, http.MethodGet, c.Base+"/spinlocal/v1/proxy", nil, &out)
	return out, err
}

// ProxyCA fetches the CA certificate the proxy's HTTPS side is signed with.
func (c *Client) ProxyCA(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.Base+"/spinlocal/v1/proxy/ca.pem", nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the proxy CA: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("fetch the proxy CA: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the proxy CA: %s", resp.Status)
	}
	return body, nil
}

// SyncProxy makes the caller's entries for a stack of the client's environment exactly
// entries; if one is refused, none changes.
func (c *Client) SyncProxy(ctx context.Context, stack string,
	entries []emulator.ProxyRequest) ([]emulator.ProxyEntry, error) {
	var out struct {
		Entries []emulator.ProxyEntry `json:"entries"`
	}
	if entries == nil {
		entries = []emulator.ProxyRequest{}
	}
	u := c.Base + "/spinlocal/v1/projects/" + c.Project + "/proxy?stack=" +
		url.QueryEscape(stack)
	err := c.Do(ctx, http.MethodPut, u, map[string]any{"entries": entries}, &out)
	return out.Entries, err
}
