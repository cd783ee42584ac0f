// Package e2eeapi declares the transports of package e2ee: Rocket.Chat's
// REST endpoints e2e.*, the DDP methods clients call (e2e.*, the
// deprecated method forms of the endpoints among them) and the relay of
// key requests written to stream-notify-room-users.
package e2eeapi

import (
	"context"
	"encoding/json"
	"strings"

	"liftoff/api"
	"liftoff/auth/secondfactor"
	"liftoff/auth/twofactor"
	"liftoff/ddpapi"
	"liftoff/e2ee"
	"liftoff/model"
	"liftoff/realtime"
)

// TwoFactor checks the second factor resetOwnE2EKey asks for, as
// Rocket.Chat's twoFactorRequired does (secondfactor.Service).
type TwoFactor interface {
	CheckCall(ctx context.Context, u *model.User, c secondfactor.Call, opts twofactor.Options) error
}

// Routes declares the REST endpoints.
func Routes(rt *api.Router, svc *e2ee.Service) {
	rt.Get("e2e.fetchMyKeys", func(r *api.Request) (any, error) {
		k, err := svc.MyKeys(r.Context(), r.User)
		if err != nil {
			return nil, err
		}
		return api.M(keysView(k)), nil
	})
	rt.Post("e2e.setUserPublicAndPrivateKeys", func(r *api.Request) (any, error) {
		pub, err := r.RequireString("public_key")
		if err != nil {
			return nil, err
		}
		priv, err := r.RequireString("private_key")
		if err != nil {
			return nil, err
		}
		force, err := r.Bool("force", false)
		if err != nil {
			return nil, err
		}
		return api.M{}, svc.SetKeys(r.Context(), r.User, e2ee.KeyPair{PublicKey: pub, PrivateKey: priv}, force)
	})
	rt.Get("e2e.getUsersOfRoomWithoutKey", func(r *api.Request) (any, error) {
		rid, err := r.RequireString("rid")
		if err != nil {
			return nil, err
		}
		users, err := svc.UsersWithoutRoomKey(r.Context(), r.User, rid)
		if err != nil {
			return nil, err
		}
		return api.M{"users": usersWithoutKeyView(users)}, nil
	}, api.Method("e2e.getUsersOfRoomWithoutKey"))
	rt.Post("e2e.setRoomKeyID", func(r *api.Request) (any, error) {
		rid, err := r.RequireString("rid")
		if err != nil {
			return nil, err
		}
		keyID, err := r.RequireString("keyID")
		if err != nil {
			return nil, err
		}
		return api.M{}, svc.SetRoomKeyID(r.Context(), r.User, rid, keyID)
	}, api.Method("e2e.setRoomKeyID"))
	rt.Post("e2e.updateGroupKey", func(r *api.Request) (any, error) {
		var in [3]string
		for i, name := range []string{"uid", "rid", "key"} {
			s, err := r.RequireString(name)
			if err != nil {
				return nil, err
			}
			in[i] = s
		}
		return api.M{}, svc.UpdateGroupKey(r.Context(), r.User, in[1], in[0], in[2])
	})
	for _, accept := range []bool{true, false} {
		name := "e2e.rejectSuggestedGroupKey"
		if accept {
			name = "e2e.acceptSuggestedGroupKey"
		}
		rt.Post(name, func(r *api.Request) (any, error) {
			rid, err := r.RequireString("rid")
			if err != nil {
				return nil, err
			}
			return api.M{}, svc.HandleSuggestedKey(r.Context(), r.User, rid, accept)
		}, api.Method(name))
	}
	rt.Get("e2e.fetchUsersWaitingForGroupKey", func(r *api.Request) (any, error) {
		rids, err := r.Strings("roomIds")
		if err != nil {
			return nil, err
		}
		if rids == nil {
			if rids, err = r.Strings("roomIds[]"); err != nil {
				return nil, err
			}
		}
		if rids == nil {
			return nil, model.Invalid("error-invalid-params", "must have required property 'roomIds'")
		}
		byRoom, err := svc.UsersWaitingForKey(r.Context(), r.User, rids)
		if err != nil {
			return nil, err
		}
		out := make(map[string][]api.M, len(byRoom))
		for rid, users := range byRoom {
			list := make([]api.M, 0, len(users))
			for _, u := range users {
				list = append(list, api.M{"_id": u.ID, "public_key": u.PublicKey})
			}
			out[rid] = list
		}
		return api.M{"usersWaitingForE2EKeys": out}, nil
	})
	rt.Post("e2e.provideUsersSuggestedGroupKeys", func(r *api.Request) (any, error) {
		var body struct {
			Keys map[string][]suggestedKeyIn `json:"usersSuggestedGroupKeys"`
		}
		if err := r.Decode(&body); err != nil {
			return nil, err
		}
		if body.Keys == nil {
			return nil, model.Invalid("error-invalid-params", "must have required property 'usersSuggestedGroupKeys'")
		}
		byRoom := make(map[string][]e2ee.SuggestedKey, len(body.Keys))
		for rid, list := range body.Keys {
			for _, k := range list {
				if k.ID == "" || k.Key == "" {
					return nil, model.Invalid("error-invalid-params", "must have required properties '_id' and 'key'")
				}
				byRoom[rid] = append(byRoom[rid], e2ee.SuggestedKey{UserID: k.ID, Key: k.Key, OldKeys: k.OldKeys})
			}
		}
		return api.M{}, svc.ProvideSuggestedKeys(r.Context(), r.User, byRoom)
	})
	rt.Post("e2e.resetRoomKey", func(r *api.Request) (any, error) {
		var in [3]string
		for i, name := range []string{"rid", "e2eKey", "e2eKeyId"} {
			s, err := r.RequireString(name)
			if err != nil {
				return nil, err
			}
			in[i] = s
		}
		return api.M{}, svc.ResetRoomKey(r.Context(), r.User, in[0], in[1], in[2])
	})
	rt.Post("e2e.requestSubscriptionKeys", func(r *api.Request) (any, error) {
		return api.M{}, svc.RequestSubscriptionKeys(r.Context(), r.User)
	})
}

// suggestedKeyIn is one entry of usersSuggestedGroupKeys.
type suggestedKeyIn struct {
	ID      string             `json:"_id"`
	Key     string             `json:"key"`
	OldKeys []model.OldRoomKey `json:"oldKeys"`
}

// keysView is e2e.fetchMyKeys' answer: {public_key, private_key}, or no
// key fields for a user who set none.
func keysView(k *e2ee.KeyPair) map[string]any {
	out := map[string]any{}
	if k != nil {
		out["public_key"], out["private_key"] = k.PublicKey, k.PrivateKey
	}
	return out
}

// usersWithoutKeyView renders members as {_id, e2e: {public_key}}.
func usersWithoutKeyView(users []e2ee.UserWithKey) []map[string]any {
	out := make([]map[string]any, 0, len(users))
	for _, u := range users {
		out = append(out, map[string]any{"_id": u.ID, "e2e": map[string]any{"public_key": u.PublicKey}})
	}
	return out
}

// Methods declares the DDP methods and the stream-notify-room-users relay.
func Methods(reg *ddpapi.Registrar, svc *e2ee.Service, tf TwoFactor) {
	reg.Method("e2e.fetchMyKeys", func(ctx context.Context, call *realtime.Call) (any, error) {
		k, err := svc.MyKeys(ctx, call.User())
		if err != nil {
			return nil, err
		}
		return keysView(k), nil
	})
	reg.Method("e2e.setUserPublicAndPrivateKeys", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			PublicKey  string `json:"public_key"`
			PrivateKey string `json:"private_key"`
			Force      bool   `json:"force"`
		}](call, 0)
		if err != nil || !ok {
			return nil, ddpapi.MatchFailed("keyPair")
		}
		return nil, svc.SetKeys(ctx, call.User(), e2ee.KeyPair{PublicKey: in.PublicKey, PrivateKey: in.PrivateKey}, in.Force)
	})
	reg.Method("e2e.getUsersOfRoomWithoutKey", func(ctx context.Context, call *realtime.Call) (any, error) {
		rid, err := ddpapi.RequireString(call, 0, "rid")
		if err != nil {
			return nil, err
		}
		users, err := svc.UsersWithoutRoomKey(ctx, call.User(), rid)
		if err != nil {
			return nil, err
		}
		return map[string]any{"users": usersWithoutKeyView(users)}, nil
	})
	reg.Method("e2e.setRoomKeyID", func(ctx context.Context, call *realtime.Call) (any, error) {
		rid, err := ddpapi.RequireString(call, 0, "rid")
		if err != nil {
			return nil, err
		}
		keyID, err := ddpapi.RequireString(call, 1, "keyID")
		if err != nil {
			return nil, err
		}
		return nil, svc.SetRoomKeyID(ctx, call.User(), rid, keyID)
	})
	reg.Method("e2e.updateGroupKey", func(ctx context.Context, call *realtime.Call) (any, error) {
		var in [3]string
		for i, name := range []string{"rid", "uid", "key"} {
			s, err := ddpapi.RequireString(call, i, name)
			if err != nil {
				return nil, err
			}
			in[i] = s
		}
		return nil, svc.UpdateGroupKey(ctx, call.User(), in[0], in[1], in[2])
	})
	for _, accept := range []bool{true, false} {
		name := "e2e.rejectSuggestedGroupKey"
		if accept {
			name = "e2e.acceptSuggestedGroupKey"
		}
		reg.Method(name, func(ctx context.Context, call *realtime.Call) (any, error) {
			rid, err := ddpapi.RequireString(call, 0, "rid")
			if err != nil {
				return nil, err
			}
			return nil, svc.HandleSuggestedKey(ctx, call.User(), rid, accept)
		})
	}
	reg.Method("e2e.requestSubscriptionKeys", func(ctx context.Context, call *realtime.Call) (any, error) {
		if err := svc.RequestSubscriptionKeys(ctx, call.User()); err != nil {
			return nil, err
		}
		return true, nil
	})
	reg.Method("e2e.resetOwnE2EKey", func(ctx context.Context, call *realtime.Call) (any, error) {
		if tf != nil {
			code, method := twoFactorParam(call)
			c := secondfactor.Call{Code: code, Method: method, Token: call.Token(), RemoteAddr: call.RemoteAddr()}
			if err := tf.CheckCall(ctx, call.User(), c, twofactor.Options{}); err != nil {
				return nil, err
			}
		}
		if err := svc.ResetOwnKey(ctx, call.User(), call.Token()); err != nil {
			return nil, err
		}
		return true, nil
	})
	// Clients emit on a stream by calling a method named after it:
	// ["<rid>/e2ekeyRequest", rid, keyId]. Like Rocket.Chat's stream, the
	// call itself answers nothing; only members' requests are relayed.
	reg.Method("stream-notify-room-users", func(ctx context.Context, call *realtime.Call) (any, error) {
		event, _, err := ddpapi.Param[string](call, 0)
		if err != nil {
			return nil, nil
		}
		rid, name, _ := strings.Cut(event, "/")
		if name != "e2ekeyRequest" {
			return nil, nil
		}
		keyID, _, _ := ddpapi.Param[string](call, 2)
		return nil, svc.RelayKeyRequest(ctx, call.User(), rid, keyID)
	})
}

// twoFactorParam reads the {twoFactorCode, twoFactorMethod} a Meteor
// client appends to a call that needs a second factor.
func twoFactorParam(call *realtime.Call) (code, method string) {
	if len(call.Params) == 0 {
		return "", ""
	}
	var p struct {
		Code   string `json:"twoFactorCode"`
		Method string `json:"twoFactorMethod"`
	}
	if json.Unmarshal(call.Params[len(call.Params)-1], &p) != nil {
		return "", ""
	}
	return p.Code, p.Method
}
