// Package invitesapi declares the endpoints of package invites: REST
// listInvites, findOrCreateInvite, removeInvite/{_id}, useInviteToken and
// validateInviteToken, and DDP methods of the same names.
package invitesapi

import (
	"context"
	"encoding/json"

	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/invites"
	"liftoff/model"
	"liftoff/realtime"
)

// Routes declares the REST endpoints, answered as Rocket.Chat's: the list
// is a bare JSON array, removeInvite a bare true.
func Routes(rt *api.Router, svc *invites.Service) {
	rt.Get("listInvites", func(r *api.Request) (any, error) {
		list, err := svc.List(r.Context(), r.User)
		if err != nil {
			return nil, err
		}
		return api.Respond(200, list), nil
	}, api.Method("listInvites"))
	rt.Post("findOrCreateInvite", func(r *api.Request) (any, error) {
		var in struct {
			RoomID  string `json:"rid"`
			Days    *int   `json:"days"`
			MaxUses *int   `json:"maxUses"`
		}
		if err := r.Decode(&in); err != nil {
			return nil, model.Invalid("invalid-params", "must have required property 'rid'")
		}
		if in.RoomID == "" || in.Days == nil || in.MaxUses == nil {
			missing := "rid"
			if in.RoomID != "" && in.Days == nil {
				missing = "days"
			} else if in.RoomID != "" {
				missing = "maxUses"
			}
			return nil, model.Invalid("invalid-params", "must have required property '%s'", missing)
		}
		inv, err := svc.FindOrCreate(r.Context(), r.User, in.RoomID, *in.Days, *in.MaxUses)
		if err != nil {
			return nil, err
		}
		return inviteView(inv), nil
	}, api.Method("findOrCreateInvite"))
	rt.Handle("DELETE", "removeInvite/{_id}", func(r *api.Request) (any, error) {
		if err := svc.Remove(r.Context(), r.User, r.HTTP.PathValue("_id")); err != nil {
			return nil, err
		}
		return api.Respond(200, true), nil
	}, api.Method("removeInvite"))
	rt.Post("useInviteToken", func(r *api.Request) (any, error) {
		token, err := r.String("token")
		if err != nil {
			return nil, err
		}
		if token == "" {
			return nil, model.Invalid("invalid-params", "must have required property 'token'")
		}
		room, err := svc.Use(r.Context(), r.User, token)
		if err != nil {
			return nil, err
		}
		return api.M{"room": roomView(room)}, nil
	}, api.Method("useInviteToken"))
	rt.Post("validateInviteToken", func(r *api.Request) (any, error) {
		token, err := r.String("token")
		if err != nil {
			return nil, err
		}
		if token == "" {
			return nil, model.Invalid("invalid-params", "must have required property 'token'")
		}
		_, _, err = svc.Validate(r.Context(), token)
		if _, domain := model.AsError(err); err != nil && !domain {
			return nil, err
		}
		return api.M{"valid": err == nil}, nil
	}, api.Public())
}

// inviteView is an invite with "success", the findOrCreateInvite answer.
func inviteView(inv *invites.Invite) api.M {
	b, _ := json.Marshal(inv)
	var m api.M
	_ = json.Unmarshal(b, &m)
	return m
}

// roomView is the room useInviteToken answers.
func roomView(room *model.Room) map[string]any {
	out := map[string]any{"rid": room.ID, "t": room.Type, "name": room.Name}
	if room.DisplayName != "" {
		out["fname"] = room.DisplayName
	}
	if room.ParentRoomID != "" {
		out["prid"] = room.ParentRoomID
	}
	return out
}

// Methods declares the DDP methods.
func Methods(reg *ddpapi.Registrar, svc *invites.Service) {
	reg.Method("listInvites", func(ctx context.Context, call *realtime.Call) (any, error) {
		return svc.List(ctx, call.User())
	})
	reg.Method("findOrCreateInvite", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			RoomID  string `json:"rid"`
			Days    int    `json:"days"`
			MaxUses int    `json:"maxUses"`
		}](call, 0)
		if err != nil || !ok {
			return nil, ddpapi.MatchFailed("invite")
		}
		return svc.FindOrCreate(ctx, call.User(), in.RoomID, in.Days, in.MaxUses)
	})
	reg.Method("removeInvite", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			ID string `json:"_id"`
		}](call, 0)
		if err != nil || !ok {
			return nil, ddpapi.MatchFailed("invite")
		}
		if err := svc.Remove(ctx, call.User(), in.ID); err != nil {
			return nil, err
		}
		return true, nil
	})
	reg.Method("useInviteToken", func(ctx context.Context, call *realtime.Call) (any, error) {
		token, err := ddpapi.RequireString(call, 0, "token")
		if err != nil {
			return nil, err
		}
		room, err := svc.Use(ctx, call.User(), token)
		if err != nil {
			return nil, err
		}
		return map[string]any{"room": roomView(room)}, nil
	})
	reg.Method("validateInviteToken", func(ctx context.Context, call *realtime.Call) (any, error) {
		token, _, _ := ddpapi.Param[string](call, 0)
		_, _, err := svc.Validate(ctx, token)
		if _, domain := model.AsError(err); err != nil && !domain {
			return nil, err
		}
		return err == nil, nil
	}, ddpapi.Public())
}
