package oauth

import (
	"errors"
	"html"
	"log/slog"
	"net/http"
	"strings"
)

// Flows finds the flow of an enabled service by its name (lower case).
type Flows interface {
	Flow(name string) (*Flow, bool)
}

// Handler serves Rocket.Chat's OAuth routes for the services flows knows:
//
//	GET  /_oauth/<name>/authorize  start a sign-in: 302 to the provider
//	GET  /_oauth/<name>            the provider's callback: the end-of-login page
//	POST /_oauth/<name>            the same, for providers that post the answer (form_post)
//
// A callback whose state this server did not issue (forged, expired or
// replayed) answers 400 and stores nothing.
func Handler(flows Flows, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/_oauth/")
		if !ok || rest == "" {
			http.NotFound(w, r)
			return
		}
		name, action, _ := strings.Cut(rest, "/")
		f, ok := flows.Flow(name)
		if !ok {
			http.Error(w, "Unknown sign-in service", http.StatusNotFound)
			return
		}
		switch {
		case action == "authorize" && r.Method == http.MethodGet:
			req, err := BeginRequestFromQuery(r.URL.Query())
			if err != nil {
				badRequest(w, err)
				return
			}
			to, err := f.Begin(r.Context(), req)
			if err != nil {
				log.WarnContext(r.Context(), "oauth begin", "service", name, "err", err)
				badRequest(w, err)
				return
			}
			http.Redirect(w, r, to, http.StatusFound)
		case action == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
			if err := r.ParseForm(); err != nil {
				badRequest(w, err)
				return
			}
			c, err := f.Complete(r.Context(), r.Form)
			if errors.Is(err, ErrInvalidState) {
				badRequest(w, err)
				return
			}
			if err != nil {
				log.ErrorContext(r.Context(), "oauth callback", "service", name, "err", err)
				http.Error(w, "The sign-in could not be completed", http.StatusInternalServerError)
				return
			}
			if err := WriteEndOfLogin(w, c); err != nil {
				log.ErrorContext(r.Context(), "oauth end page", "err", err)
			}
		default:
			http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func badRequest(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte("<!DOCTYPE html><title>Sign-in failed</title><p>" + html.EscapeString(err.Error()) + "</p>"))
}
