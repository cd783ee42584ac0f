package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"liftoff/model"
	"liftoff/notify/devices"
	"liftoff/notify/push"
	"liftoff/notify/webpush"
	"liftoff/settings/setting"
)

// DeviceInput is a device to register (push.token, raix:push-update).
type DeviceInput struct {
	// ID is the client's device id; a new one is made when empty.
	ID      string
	Type    string // devices.APN, devices.GCM or devices.Web
	Token   string // the device token; for Web Push the endpoint
	AppName string
	// Keys are a Web Push subscription's keys.
	P256dh, Auth string
}

// RegisterDevice stores the user's device, taking the token from any
// earlier registration (Rocket.Chat's raix:push-update).
//
// Errors: error-type-param-not-valid, error-token-param-not-valid,
// error-appName-param-not-valid, and for Web Push error-web-push-disabled
// (no VAPID keys) and error-token-param-not-valid (a subscription whose
// endpoint or keys are not valid).
func (n *Notifier) RegisterDevice(ctx context.Context, user *model.User, in DeviceInput) (devices.Device, error) {
	d := devices.Device{ID: in.ID, UserID: user.ID, Type: in.Type, Token: in.Token, AppName: in.AppName}
	switch in.Type {
	case devices.APN, devices.GCM:
		if in.AppName == "" {
			return d, model.Invalid("error-appName-param-not-valid", "The required \"appName\" body param is missing or invalid.")
		}
	case devices.Web:
		if n.d.WebPush == nil {
			return d, model.Invalid("error-web-push-disabled", "Web Push is not set up on this server")
		}
		sub := webpush.Subscription{Endpoint: in.Token}
		sub.Keys.P256dh, sub.Keys.Auth = in.P256dh, in.Auth
		if err := sub.Validate(); err != nil {
			return d, model.Invalid("error-token-param-not-valid", "The Web Push subscription is invalid: %v", err)
		}
		keys, _ := json.Marshal(map[string]string{"p256dh": in.P256dh, "auth": in.Auth})
		d.Keys = string(keys)
	default:
		return d, model.Invalid("error-type-param-not-valid", "The required \"type\" body param is missing or invalid.")
	}
	if in.Token == "" {
		return d, model.Invalid("error-token-param-not-valid", "The required \"value\" body param is missing or invalid.")
	}
	if d.ID == "" {
		d.ID = model.NewID()
	}
	now := n.d.Now().Truncate(time.Millisecond)
	d.CreatedAt, d.UpdatedAt = now, now
	if old, err := n.d.Devices.Device(ctx, d.ID); err == nil {
		d.CreatedAt = old.CreatedAt
	}
	if err := n.d.Devices.SaveDevice(ctx, d); err != nil {
		return d, err
	}
	return d, nil
}

// UnregisterToken removes the user's devices with the token and reports
// whether there was one.
func (n *Notifier) UnregisterToken(ctx context.Context, user *model.User, token string) (bool, error) {
	c, err := n.d.Devices.DeleteUserToken(ctx, user.ID, token)
	return c > 0, err
}

// defaultGateway is Push_gateway's default value.
const defaultGateway = "https://gateway.rocket.chat"

// PushInfo tells whether push is on, whether the gateway is Rocket.Chat's
// own, and the VAPID public key browsers subscribe with ("" when Web Push
// is off).
func (n *Notifier) PushInfo() (enabled, defaultPushGateway bool, webPushKey string) {
	if n.d.WebPush != nil {
		webPushKey = n.d.WebPush.PublicKey()
	}
	return n.d.Settings.Bool(setting.PushEnable), n.d.Settings.String(setting.PushGateway) == defaultGateway, webPushKey
}

// TestPush sends a test notification to each of the user's mobile devices
// now, as push.test (Rocket.Chat's executePushTest), and returns how many
// devices it sent to.
//
// Errors: error-push-disabled (Push_enable off), error-no-tokens-for-this-user.
func (n *Notifier) TestPush(ctx context.Context, user *model.User) (int, error) {
	if !n.d.Settings.Bool(setting.PushEnable) {
		return 0, model.Invalid("error-push-disabled", "Push is disabled").InMethod()
	}
	ds, err := n.d.Devices.DevicesOfUser(ctx, user.ID, devices.APN, devices.GCM)
	if err != nil {
		return 0, err
	}
	if len(ds) == 0 {
		return 0, model.Invalid("error-no-tokens-for-this-user", "There are no tokens for this user").InMethod()
	}
	sender := n.pushSender()
	if n.d.Push != nil {
		sender = n.d.Push()
	}
	zero := 0
	notif := push.Notification{From: "push", Title: "Hello", Text: "This is a test push notification", Badge: &zero,
		Sound: "default", UserID: user.ID, Payload: map[string]any{"host": n.d.Settings.String(setting.SiteURL)},
		APN: &push.APNOptions{Category: "MESSAGE_NOREPLY"}}
	sent := 0
	for _, d := range ds {
		err := sender.Send(ctx, push.Token{Kind: d.Type, Value: d.Token, AppName: d.AppName}, notif, push.SendOptions{})
		if errors.Is(err, push.ErrTokenInvalid) {
			_ = n.d.Devices.DeleteDevice(ctx, d.ID)
			continue
		}
		if err != nil {
			return sent, model.Invalid("error-push-failed", "%v", err)
		}
		sent++
	}
	return sent, nil
}
