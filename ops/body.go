package ops

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// BodyRate bounds how slowly a request body may arrive. The server's
// ReadHeaderTimeout only covers headers: without this, a client sending a
// body one byte a second holds a connection, a descriptor and a goroutine
// for as long as it likes. After Grace the body must have arrived at
// MinRate bytes a second on average; a body that falls behind fails to
// read (the handler answers an error) and its connection closes. Requests
// without a body, WebSocket upgrades among them, are untouched, and a fast
// large upload is never cut.
type BodyRate struct {
	Grace   time.Duration
	MinRate int64 // bytes per second
}

// Handler applies the bound to next's request bodies.
func (b BodyRate) Handler(next http.Handler) http.Handler {
	if b.Grace <= 0 || b.MinRate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = &rateBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: time.Now(), bound: b}
		next.ServeHTTP(w, r)
	})
}

// rateBody moves the connection's read deadline along with the bytes
// received: start + Grace + received/MinRate.
type rateBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	start    time.Time
	bound    BodyRate
	received int64
	off      bool // deadlines unsupported (not an HTTP/1 connection)
	done     bool
}

func (b *rateBody) Read(p []byte) (int, error) {
	if !b.off && !b.done {
		due := b.start.Add(b.bound.Grace + time.Duration(b.received)*time.Second/time.Duration(b.bound.MinRate))
		if err := b.rc.SetReadDeadline(due); errors.Is(err, http.ErrNotSupported) {
			b.off = true
		}
	}
	n, err := b.ReadCloser.Read(p)
	b.received += int64(n)
	if errors.Is(err, io.EOF) && !b.off && !b.done {
		// The whole body is in: no deadline for whatever the server
		// reads next on the connection (it sets its own per request).
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
