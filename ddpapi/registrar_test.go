package ddpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"liftoff/access/perm"
	"liftoff/auth"
	"liftoff/ddpapi"
	"liftoff/model"
	"liftoff/realtime"
)

type noLogin struct{}

func (noLogin) Login(context.Context, auth.Credentials, string) (*auth.LoginResult, error) {
	return nil, auth.ErrLoginFailed
}
func (noLogin) Logout(context.Context, string, string) error { return nil }

type noRooms struct{}

func (noRooms) CanReadRoom(context.Context, *model.User, string) error  { return model.ErrNotAllowed }
func (noRooms) RoomIDsOfUser(context.Context, string) ([]string, error) { return nil, nil }

type grants map[perm.ID]string // permission -> the one user id holding it

func (g grants) Can(u *model.User, p perm.ID) bool { return u != nil && g[p] == u.ID }

// A capability declares its methods from its own package; they get the
// login requirement, the guards, parameter decoding and error rendering
// the built-in methods have.
func TestRegistrarDeclaresCapabilityMethods(t *testing.T) {
	srv, err := realtime.New(realtime.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: noLogin{}, Rooms: noRooms{}})
	if err != nil {
		t.Fatal(err)
	}
	reg := ddpapi.NewRegistrar(srv, grants{perm.CreateC: "alice"})
	reg.Method("notes:add", func(ctx context.Context, call *realtime.Call) (any, error) {
		text, err := ddpapi.RequireString(call, 0, "text")
		if err != nil {
			return nil, err
		}
		return map[string]any{"text": text, "by": call.User().Username}, nil
	}, ddpapi.Need(perm.CreateC))
	reg.Method("notes:count", func(ctx context.Context, call *realtime.Call) (any, error) {
		n, ok, err := ddpapi.Param[int](call, 0)
		if err != nil {
			return nil, ddpapi.MatchFailed("n")
		}
		if !ok {
			n = 1
		}
		return n, nil
	}, ddpapi.Public())

	alice := &model.User{ID: "alice", Username: "alice"}
	bob := &model.User{ID: "bob", Username: "bob"}
	ctx := context.Background()
	invoke := func(u *model.User, name string, params ...string) (any, *model.Error) {
		raw := make([][]byte, len(params))
		for i, p := range params {
			raw[i] = []byte(p)
		}
		args := make([]json.RawMessage, len(raw))
		for i := range raw {
			args[i] = raw[i]
		}
		res, err := srv.Invoke(ctx, u, "", "127.0.0.1", name, args)
		if err == nil {
			return res, nil
		}
		e, ok := model.AsError(err)
		if !ok {
			t.Fatalf("%s: %v", name, err)
		}
		return nil, e
	}

	if _, e := invoke(nil, "notes:add", `"x"`); e == nil || e.Type != "error-invalid-user" {
		t.Fatalf("anonymous: %v", e)
	}
	if _, e := invoke(bob, "notes:add", `"x"`); e == nil || e.Type != "error-not-allowed" || e.Details["method"] != "notes:add" {
		t.Fatalf("without the permission: %v", e)
	}
	if _, e := invoke(alice, "notes:add", `5`); e == nil || e.Type != "error-invalid-params" {
		t.Fatalf("bad parameter: %v", e)
	}
	if res, e := invoke(alice, "notes:add", `"hi"`); e != nil || res.(map[string]any)["by"] != "alice" {
		t.Fatalf("add: %v %v", res, e)
	}
	if res, e := invoke(nil, "notes:count", `3`); e != nil || res != 3 {
		t.Fatalf("public: %v %v", res, e)
	}
}
