package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	perms "liftoff/access"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings"
)

// newTestServer builds a REST server over an empty chat service, for
// tests of the transport's own behaviour.
func newTestServer(t *testing.T) *Server {
	t.Helper()
	set := settings.NewRegistry(settings.Defaults())
	set.Set(&model.Setting{ID: "API_Enable_Rate_Limiter", Type: settings.TypeBoolean, Value: false})
	svc := chat.New(chat.Deps{Settings: set, Permissions: perms.NewChecker(perms.DefaultPermissions())})
	d := chatDeps(svc, set)
	d.Logger = slog.New(slog.DiscardHandler)
	d.Methods = noMethods{}
	return New(d, Config{})
}

func call(t *testing.T, s *Server, path string) (int, map[string]any) {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: %v: %s", path, err, w.Body.String())
	}
	return w.Code, body
}

func TestErrorStatusByKind(t *testing.T) {
	s := newTestServer(t)
	rt := s.Router()
	for _, c := range []struct {
		name   string
		err    error
		status int
		body   map[string]any
	}{
		{"invalid", model.Invalid("error-invalid-params", "The 'x' param is required"), 400,
			map[string]any{"success": false, "error": "The 'x' param is required [error-invalid-params]", "errorType": "error-invalid-params"}},
		{"notfound", model.NotFound("error-room-not-found", "No room"), 400,
			map[string]any{"success": false, "error": "No room [error-room-not-found]", "errorType": "error-room-not-found"}},
		{"conflict", model.Conflict("error-duplicate-channel-name", "Taken"), 400,
			map[string]any{"success": false, "error": "Taken [error-duplicate-channel-name]", "errorType": "error-duplicate-channel-name"}},
		{"forbidden", model.Forbidden("error-not-allowed", "Not allowed"), 403,
			map[string]any{"success": false, "error": "Not allowed [error-not-allowed]", "errorType": "error-not-allowed"}},
		{"unauthorized", model.ErrUnauthorized, 403, map[string]any{"success": false, "error": "unauthorized"}},
		{"unauthenticated", model.Unauthenticated("403", "User not found"), 401,
			map[string]any{"success": false, "error": "User not found [403]", "errorType": "403"}},
		{"toolarge", model.TooLarge("error-request-too-large", "Too big"), 413,
			map[string]any{"success": false, "error": "Too big [error-request-too-large]", "errorType": "error-request-too-large"}},
		{"ratelimited", model.RateLimited("error-too-many-requests", "Slow"), 429,
			map[string]any{"success": false, "error": "Slow [error-too-many-requests]", "errorType": "error-too-many-requests"}},
		{"bare", model.Bare(model.KindNotFound, "team-does-not-exist"), 400,
			map[string]any{"success": false, "error": "team-does-not-exist"}}, // no errorType, as Rocket.Chat
		{"internal", errors.New("disk on fire"), 500,
			map[string]any{"success": false, "error": "Internal server error", "errorType": "error-internal"}},
		{"methodnamed", model.Forbidden("error-not-allowed", "Not allowed").InMethod(), 403,
			map[string]any{"success": false, "error": "Not allowed [error-not-allowed]", "errorType": "error-not-allowed",
				"details": map[string]any{"method": "test.methodnamed"}}},
	} {
		err := c.err
		rt.Get("test."+c.name, func(*Request) (any, error) { return nil, err }, Public())
		status, body := call(t, s, "/api/v1/test."+c.name)
		if status != c.status || !reflect.DeepEqual(body, c.body) {
			t.Errorf("%s: %d %v, want %d %v", c.name, status, body, c.status, c.body)
		}
	}
}

func TestRouteStatesItsStatusAndMethod(t *testing.T) {
	s := newTestServer(t)
	notFound := model.NotFound("error-message-not-found", "No message").InMethod()
	rt := s.Router()
	rt.Get("test.default", func(*Request) (any, error) { return nil, notFound }, Public())
	rt.Get("test.override", func(*Request) (any, error) { return nil, notFound }, Public(),
		Status(model.KindNotFound, http.StatusNotFound), Method("getSingleMessage"))
	if status, body := call(t, s, "/api/v1/test.default"); status != 400 || body["details"].(map[string]any)["method"] != "test.default" {
		t.Errorf("default: %d %v", status, body)
	}
	status, body := call(t, s, "/api/v1/test.override")
	if status != http.StatusNotFound || body["details"].(map[string]any)["method"] != "getSingleMessage" {
		t.Errorf("override: %d %v", status, body)
	}
	// The override is the route's alone.
	if status, _ := call(t, s, "/api/v1/test.default"); status != 400 {
		t.Errorf("another route took the override: %d", status)
	}
}

// chatDeps wires the REST API to chat services, as the server does.
func chatDeps(svc *chat.Services, set *settings.Registry) Deps {
	return Deps{Accounts: svc.Accounts, Rooms: svc.Rooms, Members: svc.Members, Messages: svc.Messages,
		Teams: svc.Teams, Admin: svc.Admin, Settings: set}
}

// noMethods answers every bridged method call with nothing.
type noMethods struct{}

func (noMethods) InvokeFrame(context.Context, *model.User, string, string, string, string, []json.RawMessage) []byte {
	return nil
}
