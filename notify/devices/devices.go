// Package devices names the devices and browsers a user receives push
// notifications on (Rocket.Chat's push tokens, _raix_push_app_tokens, and
// Liftoff's Web Push subscriptions) and the storage they need. The stores
// (store/sqlite, store/postgres) implement Store; storetest.RunDevices is
// its contract.
package devices

import (
	"context"
	"errors"
	"time"
)

// Device types.
const (
	APN = "apn" // an iOS device token (APNs)
	GCM = "gcm" // an Android (FCM) registration token
	Web = "web" // a browser's Web Push subscription
)

// ErrNotFound is returned for a device that is not stored.
var ErrNotFound = errors.New("devices: not found")

// Device is one registered push target.
type Device struct {
	ID     string
	UserID string
	Type   string // APN, GCM or Web
	// Token is the device token, or the Web Push endpoint.
	Token   string
	AppName string // the mobile app's id (APNs topic)
	// Keys is a Web Push subscription's keys as JSON ({"p256dh", "auth"}).
	Keys      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Store keeps devices.
type Store interface {
	// SaveDevice stores d under d.ID (replacing the device with that id)
	// and removes any other device with the same type and token: a token
	// belongs to one registration, the latest.
	SaveDevice(ctx context.Context, d Device) error
	// DeleteUserToken removes the user's devices whose token is token and
	// returns how many.
	DeleteUserToken(ctx context.Context, userID, token string) (int, error)
	// DeleteDevice removes the device with the id (none: no error).
	DeleteDevice(ctx context.Context, id string) error
	// Device returns the device with the id, or ErrNotFound.
	Device(ctx context.Context, id string) (Device, error)
	// DevicesOfUser returns the user's devices of the given types (all
	// when none), oldest first.
	DevicesOfUser(ctx context.Context, userID string, types ...string) ([]Device, error)
}
