package script

import "encoding/json"

// frame is one line of the server-worker protocol (JSON, newline
// terminated). The server sends "call" and "http-result"; the worker
// answers "result", and may first send "need-source", "http" and "log".
type frame struct {
	Op string `json:"op"`
	ID uint64 `json:"id,omitempty"`

	// call
	Key    string          `json:"key,omitempty"`  // integration id and source hash
	Name   string          `json:"name,omitempty"` // file name in stack traces
	Source string          `json:"source,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`

	// result
	Value   json.RawMessage `json:"value,omitempty"`
	Missing bool            `json:"missing,omitempty"` // the Script has no such method
	Err     *Error          `json:"error,omitempty"`

	// http, http-result
	Request *httpRequest `json:"request,omitempty"`
	Reply   *httpReply   `json:"reply,omitempty"`

	// log
	Level string `json:"level,omitempty"`
	Text  string `json:"text,omitempty"`
}

// httpRequest is a script's HTTP call, as the bridge carries it.
type httpRequest struct {
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	Headers         map[string]string `json:"headers,omitempty"`
	Body            *string           `json:"body,omitempty"`
	TimeoutMillis   int64             `json:"timeout,omitempty"`
	FollowRedirects *bool             `json:"followRedirects,omitempty"`
}

// httpReply is the server's answer to a script's HTTP call.
type httpReply struct {
	Status     int               `json:"status"`
	StatusText string            `json:"statusText"`
	URL        string            `json:"url"`
	Redirected bool              `json:"redirected"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	Error      string            `json:"error,omitempty"`
}

// Exit codes of a worker that stops itself.
const (
	exitCPU    = 70 // a builtin ignored the CPU-time interrupt
	exitMemory = 71 // a builtin ignored the memory interrupt
	exitBroken = 72 // the protocol broke (bad frame, closed pipe)
)
