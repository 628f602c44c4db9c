package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Resource is one API object as JSON.
type Resource map[string]any

// Str returns a string field, or "".
func (r Resource) Str(k string) string {
	s, _ := r[k].(string)
	return s
}

// Link returns links[k].
func (r Resource) Link(k string) string {
	l, _ := r["links"].(map[string]any)
	s, _ := l[k].(string)
	return s
}

// Action returns actions[k], or "" when the action is not available.
func (r Resource) Action(k string) string {
	a, _ := r["actions"].(map[string]any)
	s, _ := a[k].(string)
	return s
}

// Error is an API error envelope.
type Error struct {
	Status    int
	Code      string
	Message   string
	FieldName string
	URL       string
}

func (e *Error) Error() string {
	msg := e.Message
	if e.FieldName != "" && msg != "" {
		msg = e.FieldName + ": " + msg
	} else if msg == "" {
		msg = e.FieldName
	}
	if e.Code == "" {
		return fmt.Sprintf("%s (%d)", msg, e.Status)
	}
	return fmt.Sprintf("%s (%d %s)", msg, e.Status, e.Code)
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// Client talks to one daemon in one environment.
type Client struct {
	Base      string // scheme://host:port
	AccessKey string
	SecretKey string
	Project   string // environment id, e.g. 1a5
	HTTP      *http.Client
}

// New returns a client for the daemon at base.
func New(base, access, secret string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), AccessKey: access, SecretKey: secret,
		HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// API is the v2-beta root.
func (c *Client) API() string { return c.Base + "/v2-beta" }

// ProjectURL is the project scope prefix.
func (c *Client) ProjectURL() string { return c.API() + "/projects/" + c.Project }

// Do sends a request with a JSON body (nil for none) and decodes a JSON reply into out.
func (c *Client) Do(ctx context.Context, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.SetBasicAuth(c.AccessKey, c.SecretKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read reply: %w", method, u, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode, URL: u}
		var env struct {
			Code, Message, FieldName string
		}
		if json.Unmarshal(raw, &env) == nil {
			e.Code, e.Message, e.FieldName = env.Code, env.Message, env.FieldName
		} else {
			e.Message = strings.TrimSpace(string(raw))
		}
		return e
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", method, u, err)
	}
	return nil
}

// List GETs a project collection with query filters.
func (c *Client) List(ctx context.Context, coll string, q url.Values) ([]Resource, error) {
	u := c.ProjectURL() + "/" + coll
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var out struct {
		Data []Resource `json:"data"`
	}
	if err := c.Do(ctx, http.MethodGet, u, nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Get fetches one resource by URL.
func (c *Client) Get(ctx context.Context, u string) (Resource, error) {
	var r Resource
	return r, c.Do(ctx, http.MethodGet, u, nil, &r)
}

// Create POSTs a new resource to a project collection.
func (c *Client) Create(ctx context.Context, coll string, body any) (Resource, error) {
	var r Resource
	return r, c.Do(ctx, http.MethodPost, c.ProjectURL()+"/"+coll, body, &r)
}

// Action runs a resource action by name; it fails when the action is not offered.
func (c *Client) Action(ctx context.Context, r Resource, name string, body any) (Resource,
	error) {
	u := r.Action(name)
	if u == "" {
		return nil, fmt.Errorf("%s not currently available on %s %s (state %s)", name,
			r.Str("type"), r.Str("id"), r.Str("state"))
	}
	var out Resource
	return out, c.Do(ctx, http.MethodPost, u, body, &out)
}

// Delete removes a resource.
func (c *Client) Delete(ctx context.Context, r Resource) (Resource, error) {
	var out Resource
	return out, c.Do(ctx, http.MethodDelete, r.Link("self"), nil, &out)
}

// FindByName returns the live resource of coll named name (with extra filters), or nil.
func (c *Client) FindByName(ctx context.Context, coll, name string, extra url.Values) (
	Resource, error) {
	q := url.Values{"name": {name}, "removed_null": {"1"}}
	for k, v := range extra {
		q[k] = v
	}
	items, err := c.List(ctx, coll, q)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, nil
	}
	return items[0], nil
}

// Healthy reports whether a spinlocal daemon answers at base.
func Healthy(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimRight(base, "/")+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// MintKey asks the daemon for an API key for user, proving access with the admin token.
func MintKey(ctx context.Context, base, adminToken, user string) (access, secret string,
	err error) {
	c := New(base, "", "")
	raw, _ := json.Marshal(map[string]string{"user": user})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/spinlocal/v1/keys",
		bytes.NewReader(raw))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("reach daemon at %s: %w", base, err)
	}
	defer resp.Body.Close()
	var out struct {
		PublicValue, SecretValue, Message string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", "", fmt.Errorf("decode key reply: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("daemon refused to mint a key: %s", out.Message)
	}
	return out.PublicValue, out.SecretValue, nil
}

// UseEnvironment resolves an environment by id or name (case-insensitive) and makes it
// the client's project.
func (c *Client) UseEnvironment(ctx context.Context, s string) error {
	var out struct {
		Data []Resource `json:"data"`
	}
	if err := c.Do(ctx, http.MethodGet, c.API()+"/projects", nil, &out); err != nil {
		return fmt.Errorf("list environments: %w", err)
	}
	var names []string
	for _, p := range out.Data {
		if p.Str("id") == s || strings.EqualFold(p.Str("name"), s) {
			c.Project = p.Str("id")
			return nil
		}
		names = append(names, p.Str("name"))
	}
	return fmt.Errorf("unknown environment %q: use one of %s", s, strings.Join(names, ", "))
}
