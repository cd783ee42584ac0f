package routes

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"liftoff/api"
	"liftoff/integrations"
	"liftoff/model"
)

// Hooks declares the incoming-webhook endpoints, outside /api/v1:
// POST and GET /hooks/:integrationId/:token and
// /hooks/:integrationId/:userId/:token. maxBody bounds the body.
func Hooks(rt *api.Router, svc integrations.Incoming, maxBody int64) {
	// Every /hooks route goes through the REST rate limiter, each URL on
	// its own, the integration's user deciding the bypass (Rocket.Chat's
	// WebHookAPI).
	caller := func(r *http.Request) *model.User {
		token, err := url.PathUnescape(r.PathValue("token"))
		if err != nil {
			return nil
		}
		return svc.HookUser(r.Context(), r.PathValue("integrationId"), token)
	}
	handle := func(pattern string, h http.HandlerFunc) { rt.HandleHTTP(pattern, rt.RateLimited(h, caller)) }
	h := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"success": false, "error": "Request body too large"})
			return
		}
		token, err := url.PathUnescape(r.PathValue("token"))
		if err != nil {
			token = r.PathValue("token")
		}
		params := map[string]string{"integrationId": r.PathValue("integrationId"), "token": r.PathValue("token")}
		if uid := r.PathValue("userId"); uid != "" {
			params["userId"] = uid
		}
		query := map[string]any{}
		for k, v := range r.URL.Query() {
			query[k] = v[len(v)-1]
		}
		headers := map[string]string{}
		for k, v := range r.Header {
			headers[strings.ToLower(k)] = strings.Join(v, ", ")
		}
		search := ""
		if r.URL.RawQuery != "" {
			search = "?" + r.URL.RawQuery
		}
		res := svc.Incoming(r.Context(), integrations.HookRequest{
			IntegrationID: r.PathValue("integrationId"), Token: token,
			ContentType: r.Header.Get("Content-Type"), Body: body,
			Path: r.URL.RequestURI(), Pathname: r.URL.Path, Search: search, Query: query, URLParams: params, Headers: headers,
		})
		writeJSON(w, res.Status, res.Body)
	}
	for _, m := range []string{"POST", "GET"} {
		handle(m+" /hooks/{integrationId}/{token}", h)
		handle(m+" /hooks/{integrationId}/{userId}/{token}", h)
	}
	// Rocket.Chat's helper routes for services that check a hook before
	// using it: info answers success, sample three sample outgoing bodies.
	authed := func(next func(w http.ResponseWriter)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			token, err := url.PathUnescape(r.PathValue("token"))
			if err != nil || !svc.Authenticate(r.Context(), r.PathValue("integrationId"), token) {
				writeJSON(w, http.StatusUnauthorized, map[string]any{"status": "error", "message": "You must be logged in to do this."})
				return
			}
			next(w)
		}
	}
	info := authed(func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, map[string]any{"success": true}) })
	sample := authed(func(w http.ResponseWriter) {
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		var out []map[string]any
		for i := 1; i <= 3; i++ {
			out = append(out, map[string]any{"token": model.RandomString(24), "channel_id": model.NewID(), "channel_name": "general",
				"timestamp": now, "user_id": model.NewID(), "user_name": "rocket.cat", "text": fmt.Sprintf("Sample text %d", i),
				"trigger_word": "Sample"})
		}
		writeJSON(w, http.StatusOK, out)
	})
	for _, p := range []string{"{integrationId}/{token}", "{integrationId}/{userId}/{token}"} {
		handle("GET /hooks/info/"+p, info)
		handle("GET /hooks/sample/"+p, sample)
		handle("POST /hooks/add/"+p, addHook(svc, maxBody))
		handle("POST /hooks/remove/"+p, removeHook(svc, maxBody))
	}
}

// hookCaller authenticates a /hooks/add or /hooks/remove call: the
// incoming integration's user, or a 401 answered.
func hookCaller(w http.ResponseWriter, r *http.Request, svc integrations.Incoming) *model.User {
	token, err := url.PathUnescape(r.PathValue("token"))
	var u *model.User
	if err == nil {
		u = svc.HookUser(r.Context(), r.PathValue("integrationId"), token)
	}
	if u == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"status": "error", "message": "You must be logged in to do this."})
	}
	return u
}

// readHookBody decodes a JSON object body into v, answering 400 otherwise.
func readHookBody(w http.ResponseWriter, r *http.Request, maxBody int64, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"success": false, "error": "Request body too large"})
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "error": "Invalid JSON body [invalid-params]", "errorType": "invalid-params"})
		return false
	}
	return true
}

// writeHookError answers a domain error as the REST API does.
func writeHookError(w http.ResponseWriter, err error) {
	e, ok := model.AsError(err)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"success": false, "error": "Internal server error"})
		return
	}
	status := http.StatusBadRequest
	if e.Kind == model.KindForbidden {
		status = http.StatusForbidden
	}
	out := map[string]any{"success": false, "error": e.Error()}
	if !e.Bare {
		out["errorType"] = e.Type
	}
	writeJSON(w, status, out)
}

// addHook is POST /hooks/add/...: a REST hook subscription creates an
// outgoing webhook; the answer is the integration with success.
func addHook(svc integrations.Incoming, maxBody int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := hookCaller(w, r, svc)
		if u == nil {
			return
		}
		var in integrations.HookAdd
		if !readHookBody(w, r, maxBody, &in) {
			return
		}
		it, err := svc.AddHook(r.Context(), u, in)
		if err != nil {
			writeHookError(w, err)
			return
		}
		b, _ := json.Marshal(it)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		out["success"] = true
		writeJSON(w, http.StatusOK, out)
	}
}

// removeHook is POST /hooks/remove/...: the outgoing webhook calling
// target_url is removed.
func removeHook(svc integrations.Incoming, maxBody int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := hookCaller(w, r, svc)
		if u == nil {
			return
		}
		var in struct {
			TargetURL string `json:"target_url"`
		}
		if !readHookBody(w, r, maxBody, &in) {
			return
		}
		if err := svc.RemoveHook(r.Context(), u, in.TargetURL); err != nil {
			writeHookError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"success":false,"error":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
