package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Client calls the REST API, as a user (after Login) or anonymously.
type Client struct {
	Srv      *Server
	UserID   string
	Token    string
	Username string
	http     *http.Client
	t        testing.TB
	header   http.Header // extra request headers (WithHeader)
}

// Anon returns an unauthenticated client.
func (s *Server) Anon(t testing.TB) *Client {
	return &Client{Srv: s, http: &http.Client{Timeout: 30 * time.Second}, t: t}
}

// Login logs in with username and password and returns a client for that user.
func (s *Server) Login(t testing.TB, username, password string) *Client {
	t.Helper()
	c := s.Anon(t)
	r := c.Post("/api/v1/login", map[string]any{"user": username, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	c.UserID = r.Str("data.userId")
	c.Token = r.Str("data.authToken")
	c.Username = username
	return c
}

// Admin logs in as the administrator.
func (s *Server) Admin(t testing.TB) *Client { return s.Login(t, AdminUser, AdminPass) }

// CreateUser makes a user through users.create (as admin) and logs them in.
func (s *Server) CreateUser(t testing.TB, username string, extra ...map[string]any) *Client {
	t.Helper()
	body := map[string]any{"username": username, "email": username + "@example.org", "password": username + "-pass", "name": strings.ToUpper(username[:1]) + username[1:]}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	s.Admin(t).Post("/api/v1/users.create", body).OK(t)
	return s.Login(t, username, username+"-pass")
}

// Response is a raw API answer.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
	JSON   map[string]any
}

// FromAddr returns a copy of c whose connections leave from the local
// address ip (any of 127.0.0.0/8 on Linux), so the server sees another
// client address.
func (c *Client) FromAddr(ip string) *Client {
	c.t.Helper()
	addr := net.ParseIP(ip)
	if addr == nil {
		c.t.Fatalf("FromAddr: bad address %q", ip)
	}
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: addr}}
	cc := *c
	cc.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	return &cc
}

// WithHeader returns a copy of c that sends the header key: value with
// every request (x-2fa-code, for example).
func (c *Client) WithHeader(key, value string) *Client {
	cc := *c
	cc.header = c.header.Clone()
	if cc.header == nil {
		cc.header = http.Header{}
	}
	cc.header.Set(key, value)
	return &cc
}

// Get calls GET path with query parameters given as key, value pairs.
func (c *Client) Get(path string, kv ...string) *Response {
	c.t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u := c.Srv.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return c.do(req)
}

// Post calls POST path with body encoded as JSON (a []byte or string is sent as is).
func (c *Client) Post(path string, body any) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// Do sends req with the client's credentials (multipart uploads, ranges,
// other headers) and returns the answer.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	return c.do(req)
}

func (c *Client) do(req *http.Request) *Response {
	c.t.Helper()
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.UserID != "" {
		req.Header.Set("X-User-Id", c.UserID)
		req.Header.Set("X-Auth-Token", c.Token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Body: b, Header: resp.Header}
	_ = json.Unmarshal(b, &r.JSON)
	return r
}

// OK fails the test unless the call succeeded (200, success true); it returns r.
func (r *Response) OK(t testing.TB) *Response {
	t.Helper()
	if r.Status != http.StatusOK || r.JSON["success"] != true {
		t.Fatalf("expected success, got %d %s", r.Status, r.Body)
	}
	return r
}

// Fail fails the test unless the call failed with the status and errorType
// (errorType "" checks only the status; for a bare failure, which has no
// errorType, its error text); it returns r.
func (r *Response) Fail(t testing.TB, status int, errorType string) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("expected status %d, got %d %s", status, r.Status, r.Body)
	}
	got, typed := r.JSON["errorType"]
	if !typed {
		// A bare failure (Rocket.Chat's API.v1.failure('text')) has no
		// errorType: its error text is compared instead.
		got = r.JSON["error"]
	}
	if errorType != "" && got != errorType {
		t.Fatalf("expected errorType %q, got %s", errorType, r.Body)
	}
	if status != http.StatusUnauthorized && r.JSON["success"] != false {
		t.Fatalf("expected success false, got %s", r.Body)
	}
	return r
}

// Get returns the value at a dotted path ("data.me.username", "messages.0._id").
func (r *Response) Get(path string) any {
	var cur any = r.JSON
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// Str returns the string at path ("" when absent or not a string).
func (r *Response) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Num returns the number at path (0 when absent).
func (r *Response) Num(path string) float64 {
	f, _ := r.Get(path).(float64)
	return f
}

// List returns the array at path.
func (r *Response) List(path string) []any {
	l, _ := r.Get(path).([]any)
	return l
}
