package notifyapi

import (
	"context"

	"liftoff/ddpapi"
	"liftoff/model"
	"liftoff/notify/devices"
	"liftoff/notify/notifier"
	"liftoff/realtime"
)

// MethodPreferences is what the DDP methods ask of the preferences
// service (prefs.Service).
type MethodPreferences interface {
	SaveUserPreferences(ctx context.Context, user *model.User, data map[string]any) error
	SaveNotification(ctx context.Context, user *model.User, roomID string, fields map[string]string) error
}

// Methods declares the DDP methods saveUserPreferences,
// saveNotificationSettings and raix:push-update.
func Methods(reg *ddpapi.Registrar, prefs MethodPreferences, devs Devices) {
	reg.Method("saveUserPreferences", func(ctx context.Context, call *realtime.Call) (any, error) {
		data, ok, err := ddpapi.Param[map[string]any](call, 0)
		if err != nil || !ok || data == nil {
			return nil, ddpapi.MatchFailed("settings")
		}
		if err := prefs.SaveUserPreferences(ctx, call.User(), data); err != nil {
			return nil, err
		}
		return true, nil
	})
	reg.Method("saveNotificationSettings", func(ctx context.Context, call *realtime.Call) (any, error) {
		var args [3]string
		for i, name := range []string{"roomId", "field", "value"} {
			v, err := ddpapi.RequireString(call, i, name)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		if err := prefs.SaveNotification(ctx, call.User(), args[0], map[string]string{args[1]: args[2]}); err != nil {
			return nil, err
		}
		return true, nil
	})
	// raix:push-update is how the mobile apps register a device:
	// {id, token: {apn | gcm: value}, appName, userId}.
	reg.Method("raix:push-update", func(ctx context.Context, call *realtime.Call) (any, error) {
		var opts struct {
			ID      string            `json:"id"`
			Token   map[string]string `json:"token"`
			AppName string            `json:"appName"`
		}
		if err := call.Param(0, &opts); err != nil {
			return nil, ddpapi.MatchFailed("options")
		}
		in := notifier.DeviceInput{ID: opts.ID, AppName: opts.AppName}
		for _, k := range []string{devices.APN, devices.GCM} {
			if v, ok := opts.Token[k]; ok {
				in.Type, in.Token = k, v
			}
		}
		if in.Type == "" {
			return nil, ddpapi.MatchFailed("token")
		}
		d, err := devs.RegisterDevice(ctx, call.User(), in)
		if err != nil {
			return nil, err
		}
		return deviceView(d), nil
	})
}
