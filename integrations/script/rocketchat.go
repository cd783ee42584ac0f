package script

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// IncomingRequest is the request process_incoming_request receives as
// { request }, in Rocket.Chat's shape.
type IncomingRequest struct {
	URL        IncomingURL       `json:"url"`
	URLRaw     string            `json:"url_raw"`
	URLParams  map[string]string `json:"url_params"`
	Content    any               `json:"content"`     // the parsed body (an object, {} when none)
	ContentRaw string            `json:"content_raw"` // the body as received
	Headers    map[string]string `json:"headers"`     // lower-case names
	Body       any               `json:"body"`        // the same as Content
	User       ScriptUser        `json:"user"`
}

// IncomingURL describes the webhook URL that was called.
type IncomingURL struct {
	Hash     string         `json:"hash"`
	Search   string         `json:"search"`
	Query    map[string]any `json:"query"`
	Pathname string         `json:"pathname"`
	Path     string         `json:"path"`
}

// ScriptUser is the integration's user as scripts see it.
type ScriptUser struct {
	ID       string `json:"_id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// IncomingOutcome is what process_incoming_request decided. Exactly one of
// Empty, Error and Content is set.
type IncomingOutcome struct {
	// Empty: the script returned nothing (a falsy value): answer success
	// and post nothing.
	Empty bool
	// Error is the result's error: answer a failure with it.
	Error json.RawMessage
	// Content is the message payload to post, an object.
	Content json.RawMessage
	// Response, when set, is the answer's body instead of the default.
	Response json.RawMessage
	// User, when set, is who to post as.
	User json.RawMessage
	// Logs are the script's console lines.
	Logs []LogLine
}

// ProcessIncomingRequest runs process_incoming_request({ request }). A
// script without the method posts nothing, as in Rocket.Chat: the outcome
// is Empty.
func (e *Engine) ProcessIncomingRequest(ctx context.Context, s Script, req IncomingRequest) (*IncomingOutcome, error) {
	res, err := e.Call(ctx, s, ProcessIncomingRequest, map[string]any{"request": req})
	if err != nil {
		return nil, err
	}
	out := &IncomingOutcome{Logs: res.Logs}
	if res.Missing || falsy(res.Value) {
		out.Empty = true
		return out, nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(res.Value, &fields) != nil {
		return nil, &Error{Kind: KindResult, Message: "process_incoming_request returned " + describe(res.Value) + ", not an object"}
	}
	if v := fields["error"]; !falsy(v) {
		out.Error = v
		return out, nil
	}
	content := fields["content"]
	if !isObject(content) {
		return nil, &Error{Kind: KindResult, Message: "process_incoming_request returned no content object"}
	}
	out.Content = content
	if v := fields["response"]; !falsy(v) {
		out.Response = v
	}
	if v := fields["user"]; !falsy(v) {
		out.User = v
	}
	return out, nil
}

// OutgoingRequest is the request prepare_outgoing_request receives as
// { request }: Rocket.Chat's default request for an outgoing webhook.
type OutgoingRequest struct {
	Params  map[string]any    `json:"params"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Data    any               `json:"data"`
	Headers map[string]string `json:"headers"`
}

// DefaultUserAgent is the User-Agent of Rocket.Chat's outgoing webhook
// requests.
const DefaultUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2227.0 Safari/537.36"

// NewOutgoingRequest returns the request Rocket.Chat prepares for url with
// the given body data, before any script sees it.
func NewOutgoingRequest(url string, data any) OutgoingRequest {
	return OutgoingRequest{
		Params:  map[string]any{},
		Method:  "POST",
		URL:     url,
		Data:    data,
		Headers: map[string]string{"User-Agent": DefaultUserAgent},
	}
}

// PreparedRequest is the request to send, as prepare_outgoing_request left
// it. Raw is the whole object, which process_outgoing_response receives
// back as request.
type PreparedRequest struct {
	URL       string
	Method    string
	Headers   map[string]string
	Auth      string          // "user:password" for Basic authentication
	Data      json.RawMessage // the JSON body; nil for none
	Message   json.RawMessage // a message to post before sending ({ text, channel, attachments... })
	TimeoutMS int64
	Raw       json.RawMessage
	Logs      []LogLine
}

// PrepareOutgoingRequest runs prepare_outgoing_request({ request }). It
// returns the request unchanged when the script has no such method, and nil
// when the script returned nothing (Rocket.Chat then stops: no call).
func (e *Engine) PrepareOutgoingRequest(ctx context.Context, s Script, req OutgoingRequest) (*PreparedRequest, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("script: encode request: %w", err)
	}
	res, err := e.Call(ctx, s, PrepareOutgoingRequest, map[string]json.RawMessage{"request": raw})
	if err != nil {
		return nil, err
	}
	value := res.Value
	if res.Missing {
		value = raw
	} else if falsy(value) {
		return nil, nil
	}
	var fields struct {
		URL     any             `json:"url"`
		Method  any             `json:"method"`
		Headers map[string]any  `json:"headers"`
		Auth    any             `json:"auth"`
		Data    json.RawMessage `json:"data"`
		Message json.RawMessage `json:"message"`
		Timeout any             `json:"timeout"`
	}
	if err := json.Unmarshal(value, &fields); err != nil {
		return nil, &Error{Kind: KindResult, Message: "prepare_outgoing_request returned " + describe(value) + ", not an object"}
	}
	p := &PreparedRequest{
		URL: text(fields.URL), Method: text(fields.Method), Auth: text(fields.Auth),
		Headers: map[string]string{}, Raw: value, Logs: res.Logs,
	}
	for k, v := range fields.Headers {
		if v != nil {
			p.Headers[k] = text(v)
		}
	}
	if !falsy(fields.Data) {
		p.Data = fields.Data
	}
	if !falsy(fields.Message) {
		p.Message = fields.Message
	}
	if n, ok := fields.Timeout.(float64); ok && n > 0 {
		p.TimeoutMS = int64(n)
	}
	return p, nil
}

// OutgoingResponse is the response process_outgoing_response receives.
type OutgoingResponse struct {
	StatusCode int               `json:"status_code"`
	Content    string            `json:"content"`
	ContentRaw string            `json:"content_raw"`
	Headers    map[string]string `json:"headers"`
}

// ResponseOutcome is what process_outgoing_response decided.
type ResponseOutcome struct {
	// Handled: the script has the method and returned something other
	// than undefined; when false the default handling applies.
	Handled bool
	// Stop: the script returned false: post nothing.
	Stop bool
	// Content is the message payload to post, when the script returned
	// { content }.
	Content json.RawMessage
	Logs    []LogLine
}

// ProcessOutgoingResponse runs process_outgoing_response({ request,
// response }), request being the prepared request's Raw object.
func (e *Engine) ProcessOutgoingResponse(ctx context.Context, s Script, request json.RawMessage, resp OutgoingResponse) (*ResponseOutcome, error) {
	params := map[string]any{
		"request": request,
		"response": map[string]any{
			"error":       nil,
			"status_code": resp.StatusCode,
			"content":     resp.Content,
			"content_raw": resp.ContentRaw,
			"headers":     resp.Headers,
		},
	}
	res, err := e.Call(ctx, s, ProcessOutgoingResponse, params)
	if err != nil {
		return nil, err
	}
	out := &ResponseOutcome{Logs: res.Logs}
	if res.Missing || res.Value == nil {
		return out, nil
	}
	if bytes.Equal(bytes.TrimSpace(res.Value), []byte("false")) {
		out.Handled, out.Stop = true, true
		return out, nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(res.Value, &fields) == nil && !falsy(fields["content"]) {
		out.Handled, out.Content = true, fields["content"]
	}
	return out, nil
}

// falsy tells whether a JSON value is falsy in JavaScript (absent, null,
// false, 0, "").
func falsy(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "", "null", "false", "0", "-0", `""`:
		return true
	}
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return f == 0
	}
	return false
}

func isObject(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && v[0] == '{'
}

func describe(v json.RawMessage) string {
	s := string(bytes.TrimSpace(v))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// text renders a JSON scalar as JavaScript's String() would; objects give "".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool, float64:
		return fmt.Sprint(x)
	}
	return ""
}
