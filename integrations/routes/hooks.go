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
		rt.HandleHTTP(m+" /hooks/{integrationId}/{token}", h)
		rt.HandleHTTP(m+" /hooks/{integrationId}/{userId}/{token}", h)
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
		rt.HandleHTTP("GET /hooks/info/"+p, info)
		rt.HandleHTTP("GET /hooks/sample/"+p, sample)
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
