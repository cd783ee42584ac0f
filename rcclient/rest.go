package rcclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxResponseBytes bounds how much of a REST response the client reads.
const maxResponseBytes = 64 << 20

// Error is a failure reported by the server, over REST or DDP. ErrorType is
// Rocket.Chat's machine-readable errorType ("error-room-not-found"); it is
// empty when the server gave none (a 401, for example).
type Error struct {
	// HTTPStatus is the HTTP status of a REST failure; 0 for DDP errors.
	HTTPStatus int
	// ErrorType is Rocket.Chat's errorType, or DDP's error code.
	ErrorType string
	// Message is the human-readable text.
	Message string
	// Details is whatever the server sent as details, undecoded.
	Details json.RawMessage
}

// Error renders the failure with its type and status.
func (e *Error) Error() string {
	var b strings.Builder
	if e.HTTPStatus != 0 {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.ErrorType != "" {
		b.WriteString(" [")
		b.WriteString(e.ErrorType)
		b.WriteString("]")
	}
	return b.String()
}

// IsErrorType reports whether err is, or wraps, a server *Error of the given
// errorType.
func IsErrorType(err error, errorType string) bool {
	var e *Error
	return errors.As(err, &e) && e.ErrorType == errorType
}

// HTTPStatus returns the HTTP status of a server *Error in err's chain, or 0.
func HTTPStatus(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.HTTPStatus
	}
	return 0
}

// Client calls the REST API of one server as one user. The zero UserID and
// Token make anonymous calls. A Client's fields must not change while calls
// are in flight; use WithCredentials to derive a client per user that shares
// the HTTP connection pool.
type Client struct {
	// BaseURL is the server's root, e.g. "http://127.0.0.1:3000".
	BaseURL string
	// UserID and Token are sent as X-User-Id and X-Auth-Token.
	UserID string
	Token  string
	// HTTP performs the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// NewHTTPClient returns an HTTP client suited to many concurrent calls to one
// server: a pool of up to maxConns kept-alive connections, optionally bound
// to a local source address (nil for the system's choice).
func NewHTTPClient(maxConns int, localAddr net.IP) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if localAddr != nil {
		d.LocalAddr = &net.TCPAddr{IP: localAddr}
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         d.DialContext,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}}
}

// WithCredentials returns a copy of c acting as the given session.
func (c *Client) WithCredentials(cr Credentials) *Client {
	d := *c
	d.UserID, d.Token = cr.UserID, cr.Token
	return &d
}

// Credentials returns the session c acts as.
func (c *Client) Credentials() Credentials {
	return Credentials{UserID: c.UserID, Token: c.Token}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// Do performs one REST call. path is relative to BaseURL and may carry a
// query ("/api/v1/channels.history?roomId=x"); body, when not nil, is sent as
// JSON. A failure envelope ({"success":false,...}, {"status":"error",...})
// or a non-2xx status becomes an *Error; otherwise the response is decoded
// into out when out is not nil.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.UserID != "" {
		req.Header.Set("X-User-Id", c.UserID)
		req.Header.Set("X-Auth-Token", c.Token)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if e := decodeFailure(resp.StatusCode, data); e != nil {
		return fmt.Errorf("%s %s: %w", method, path, e)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode response: %w", method, path, err)
		}
	}
	return nil
}

// envelope holds the fields of Rocket.Chat's REST envelopes that tell
// success from failure.
type envelope struct {
	Success   *bool           `json:"success"`
	Status    string          `json:"status"`
	Error     json.RawMessage `json:"error"`
	ErrorType string          `json:"errorType"`
	Message   json.RawMessage `json:"message"`
	Reason    json.RawMessage `json:"reason"`
	Details   json.RawMessage `json:"details"`
}

// decodeFailure returns the *Error a response stands for, or nil when it is
// a success.
func decodeFailure(status int, data []byte) *Error {
	var env envelope
	jsonErr := json.Unmarshal(data, &env)
	ok2xx := status >= 200 && status < 300
	if jsonErr != nil {
		if ok2xx {
			// A success that is not JSON is still a protocol failure.
			return &Error{HTTPStatus: status, Message: "response is not JSON: " + snippet(data)}
		}
		return &Error{HTTPStatus: status, Message: http.StatusText(status) + ": " + snippet(data)}
	}
	failed := !ok2xx || (env.Success != nil && !*env.Success) || env.Status == "error"
	if !failed {
		return nil
	}
	e := &Error{HTTPStatus: status, ErrorType: env.ErrorType, Details: env.Details}
	// "error" is usually the human text, but some endpoints put the
	// errorType there and the text in "reason" or "message".
	// Success bodies reuse these names for objects ("message" is the
	// posted message), so only string values count as text.
	text, reason, message := jsonString(env.Error), jsonString(env.Reason), jsonString(env.Message)
	switch {
	case text != "" && e.ErrorType == "" && strings.HasPrefix(text, "error-"):
		e.ErrorType = text
		e.Message = firstNonEmpty(reason, message, text)
	case text != "":
		e.Message = text
	default:
		e.Message = firstNonEmpty(message, reason, http.StatusText(status))
	}
	return e
}

// jsonString returns raw's value when it is a JSON string, else "".
func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Info is the answer of GET /api/info.
type Info struct {
	Version string `json:"version"`
}

// Info returns the server's version (an unauthenticated call).
func (c *Client) Info(ctx context.Context) (Info, error) {
	var out Info
	err := c.Do(ctx, http.MethodGet, "/api/info", nil, &out)
	return out, err
}

// Login authenticates with a username (or e-mail) and password and makes c
// act as the new session, which it returns.
func (c *Client) Login(ctx context.Context, user, password string) (Credentials, error) {
	var out struct {
		Data Credentials `json:"data"`
	}
	err := c.Do(ctx, http.MethodPost, "/api/v1/login", map[string]string{"user": user, "password": password}, &out)
	if err != nil {
		return Credentials{}, err
	}
	if out.Data.UserID == "" || out.Data.Token == "" {
		return Credentials{}, fmt.Errorf("login %s: response has no userId or authToken", user)
	}
	c.UserID, c.Token = out.Data.UserID, out.Data.Token
	return out.Data, nil
}

// Me returns the user c acts as; it is the cheap way to check a token.
func (c *Client) Me(ctx context.Context) (User, error) {
	var out User
	err := c.Do(ctx, http.MethodGet, "/api/v1/me", nil, &out)
	return out, err
}

// NewUser is the body of users.create.
type NewUser struct {
	Username              string   `json:"username"`
	Email                 string   `json:"email"`
	Name                  string   `json:"name"`
	Password              string   `json:"password"`
	Roles                 []string `json:"roles,omitempty"`
	Verified              bool     `json:"verified"`
	JoinDefaultChannels   bool     `json:"joinDefaultChannels"`
	RequirePasswordChange bool     `json:"requirePasswordChange"`
	SendWelcomeEmail      bool     `json:"sendWelcomeEmail"`
}

// CreateUser creates a user (an admin call).
func (c *Client) CreateUser(ctx context.Context, u NewUser) (User, error) {
	var out struct {
		User User `json:"user"`
	}
	err := c.Do(ctx, http.MethodPost, "/api/v1/users.create", u, &out)
	return out.User, err
}

// UserInfo looks a user up by username.
func (c *Client) UserInfo(ctx context.Context, username string) (User, error) {
	var out struct {
		User User `json:"user"`
	}
	err := c.Do(ctx, http.MethodGet, "/api/v1/users.info?username="+url.QueryEscape(username), nil, &out)
	return out.User, err
}

// CreateChannel creates a public channel with the given members (usernames).
func (c *Client) CreateChannel(ctx context.Context, name string, members []string) (Room, error) {
	var out struct {
		Channel Room `json:"channel"`
	}
	body := map[string]any{"name": name}
	if len(members) > 0 {
		body["members"] = members
	}
	err := c.Do(ctx, http.MethodPost, "/api/v1/channels.create", body, &out)
	return out.Channel, err
}

// ChannelInfo looks a public channel up by name.
func (c *Client) ChannelInfo(ctx context.Context, name string) (Room, error) {
	var out struct {
		Channel Room `json:"channel"`
	}
	err := c.Do(ctx, http.MethodGet, "/api/v1/channels.info?roomName="+url.QueryEscape(name), nil, &out)
	return out.Channel, err
}

// InviteToChannel adds a user to a channel.
func (c *Client) InviteToChannel(ctx context.Context, roomID, userID string) error {
	return c.Do(ctx, http.MethodPost, "/api/v1/channels.invite", map[string]string{"roomId": roomID, "userId": userID}, nil)
}

// ChannelMembers returns one page of a channel's members and the total.
func (c *Client) ChannelMembers(ctx context.Context, roomID string, offset, count int) ([]User, int, error) {
	var out struct {
		Members []User `json:"members"`
		Total   int    `json:"total"`
	}
	q := url.Values{"roomId": {roomID}, "offset": {strconv.Itoa(offset)}, "count": {strconv.Itoa(count)}}
	err := c.Do(ctx, http.MethodGet, "/api/v1/channels.members?"+q.Encode(), nil, &out)
	return out.Members, out.Total, err
}

// PostMessage posts text to a room with chat.postMessage.
func (c *Client) PostMessage(ctx context.Context, roomID, text string) (Message, error) {
	var out struct {
		Message Message `json:"message"`
	}
	err := c.Do(ctx, http.MethodPost, "/api/v1/chat.postMessage", map[string]string{"roomId": roomID, "text": text}, &out)
	return out.Message, err
}

// SendMessage sends a message with chat.sendMessage, which honours a
// client-chosen m.ID.
func (c *Client) SendMessage(ctx context.Context, m Message) (Message, error) {
	var out struct {
		Message Message `json:"message"`
	}
	body := map[string]any{"message": map[string]string{"_id": m.ID, "rid": m.RoomID, "msg": m.Msg}}
	if m.ID == "" {
		body["message"] = map[string]string{"rid": m.RoomID, "msg": m.Msg}
	}
	err := c.Do(ctx, http.MethodPost, "/api/v1/chat.sendMessage", body, &out)
	return out.Message, err
}

// ChannelHistory returns up to count messages of a channel older than
// latest (newest first); the zero latest means from the newest.
func (c *Client) ChannelHistory(ctx context.Context, roomID string, latest time.Time, count int) ([]Message, error) {
	return c.ChannelHistoryAt(ctx, roomID, latest, 0, count)
}

// ChannelHistoryAt is ChannelHistory skipping the offset newest messages
// (channels.history's offset parameter).
func (c *Client) ChannelHistoryAt(ctx context.Context, roomID string, latest time.Time, offset, count int) ([]Message, error) {
	var out struct {
		Messages []Message `json:"messages"`
	}
	q := url.Values{"roomId": {roomID}, "count": {strconv.Itoa(count)}}
	if !latest.IsZero() {
		q.Set("latest", latest.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	err := c.Do(ctx, http.MethodGet, "/api/v1/channels.history?"+q.Encode(), nil, &out)
	return out.Messages, err
}
