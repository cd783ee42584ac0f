package notifyapi

import (
	"context"
	"encoding/json"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/model"
	"liftoff/notify/devices"
	"liftoff/notify/notifier"
)

// Devices is what the push endpoints ask of the notifier
// (notifier.Notifier, where each method's errors are documented).
type Devices interface {
	RegisterDevice(ctx context.Context, user *model.User, in notifier.DeviceInput) (devices.Device, error)
	UnregisterToken(ctx context.Context, user *model.User, token string) (bool, error)
	PushInfo() (enabled, defaultPushGateway bool, webPushKey string)
	TestPush(ctx context.Context, user *model.User) (int, error)
}

// PushRoutes declares push.token (POST registers a device, DELETE removes
// one) and push.info.
func PushRoutes(rt *api.Router, svc Devices) {
	rt.Post("push.token", registerToken(svc), api.Method("raix:push-update"))
	rt.Handle("DELETE", "push.token", deleteToken(svc))
	rt.Get("push.info", pushInfo(svc))
	rt.Post("push.test", func(r *api.Request) (any, error) {
		n, err := svc.TestPush(r.Context(), r.User)
		if err != nil {
			return nil, err
		}
		return api.M{"tokensCount": n}, nil
	}, api.Permission(perm.TestPushNotifications), api.Method("push_test"))
}

// registerToken is POST push.token: {id?, type: "apn" | "gcm", value,
// appName}, or Liftoff's {type: "web", value: <PushSubscription JSON>}.
func registerToken(svc Devices) api.Handler {
	return func(r *api.Request) (any, error) {
		var in notifier.DeviceInput
		if raw := r.Raw("id"); raw != nil && string(raw) != "null" {
			if json.Unmarshal(raw, &in.ID) != nil {
				return nil, model.Invalid("error-id-param-not-valid", "The required \"id\" body param is invalid.")
			}
		}
		_ = unmarshalString(r.Raw("type"), &in.Type)
		if in.Type != devices.APN && in.Type != devices.GCM && in.Type != devices.Web {
			return nil, model.Invalid("error-type-param-not-valid", "The required \"type\" body param is missing or invalid.")
		}
		if in.Type == devices.Web {
			var sub struct {
				Endpoint string `json:"endpoint"`
				Keys     struct {
					P256dh string `json:"p256dh"`
					Auth   string `json:"auth"`
				} `json:"keys"`
			}
			if json.Unmarshal(r.Raw("value"), &sub) != nil || sub.Endpoint == "" {
				return nil, model.Invalid("error-token-param-not-valid", "The required \"value\" body param is missing or invalid.")
			}
			in.Token, in.P256dh, in.Auth = sub.Endpoint, sub.Keys.P256dh, sub.Keys.Auth
			_ = unmarshalString(r.Raw("appName"), &in.AppName)
		} else {
			if unmarshalString(r.Raw("value"), &in.Token) != nil || in.Token == "" {
				return nil, model.Invalid("error-token-param-not-valid", "The required \"value\" body param is missing or invalid.")
			}
			if unmarshalString(r.Raw("appName"), &in.AppName) != nil || in.AppName == "" {
				return nil, model.Invalid("error-appName-param-not-valid", "The required \"appName\" body param is missing or invalid.")
			}
		}
		d, err := svc.RegisterDevice(r.Context(), r.User, in)
		if err != nil {
			return nil, err
		}
		return api.M{"result": deviceView(d)}, nil
	}
}

// deviceView is a device as Rocket.Chat's raix:push-update returns it.
func deviceView(d devices.Device) map[string]any {
	return map[string]any{
		"_id": d.ID, "token": map[string]any{d.Type: d.Token}, "appName": d.AppName, "userId": d.UserID, "enabled": true,
		"createdAt": model.TimeOf(d.CreatedAt), "updatedAt": model.TimeOf(d.UpdatedAt),
	}
}

func unmarshalString(raw json.RawMessage, dst *string) error {
	if raw == nil {
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// deleteToken is DELETE push.token {token}: 404 when the caller has no
// device with it.
func deleteToken(svc Devices) api.Handler {
	return func(r *api.Request) (any, error) {
		var token string
		if unmarshalString(r.Raw("token"), &token) != nil || token == "" {
			return nil, model.Invalid("error-token-param-not-valid", "The required \"token\" body param is missing or invalid.")
		}
		found, err := svc.UnregisterToken(r.Context(), r.User, token)
		if err != nil {
			return nil, err
		}
		if !found {
			return api.NotFound(), nil
		}
		return api.M{}, nil
	}
}

func pushInfo(svc Devices) api.Handler {
	return func(r *api.Request) (any, error) {
		enabled, def, key := svc.PushInfo()
		out := api.M{"pushGatewayEnabled": enabled, "defaultPushGateway": def}
		if key != "" {
			out["webPushPublicKey"] = key // Liftoff's own: the VAPID key browsers subscribe with
		}
		return out, nil
	}
}
