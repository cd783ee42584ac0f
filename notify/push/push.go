// Package push sends mobile push notifications the way Rocket.Chat does,
// so that Rocket.Chat's official mobile apps show them and open the right
// room when tapped: through a Rocket.Chat push gateway (Push_enable_gateway,
// Push_gateway), or directly to Firebase Cloud Messaging (HTTP v1, with a
// service account) and to Apple's APNs (HTTP/2, token authentication with a
// .p8 key).
//
// Message builds Rocket.Chat's notification for a message (title, text,
// badge, the payload the apps read, honouring Push_show_message and
// Push_show_username_room); Sender delivers it to one device token. A token
// the provider reports unknown yields ErrTokenInvalid: the caller deletes
// it. Sending is one request per token, so that a job per (message,
// device) retries alone.
package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Token kinds, as Rocket.Chat stores them (token.apn, token.gcm).
const (
	KindAPN = "apn"
	KindGCM = "gcm"
)

// Token is a device registered with push.token.
type Token struct {
	Kind    string // KindAPN or KindGCM
	Value   string
	AppName string // the app's id: the APNs topic (bundle id)
}

// Notification is Rocket.Chat's push notification
// (IPushNotificationConfig), as its gateway receives it.
type Notification struct {
	From     string         `json:"from"`
	Title    string         `json:"title"`
	Text     string         `json:"text"`
	Badge    *int           `json:"badge,omitempty"`
	Sound    string         `json:"sound,omitempty"`
	NotID    int32          `json:"notId,omitempty"`
	Priority int            `json:"-"` // APNs priority; the gateway never gets it
	Payload  map[string]any `json:"payload,omitempty"`
	APN      *APNOptions    `json:"apn,omitempty"`
	GCM      *GCMOptions    `json:"gcm,omitempty"`
	UserID   string         `json:"userId"`
	// ContentAvailable asks the app to wake up (silent pushes).
	ContentAvailable int `json:"contentAvailable,omitempty"`
}

// APNOptions are the iOS-only fields.
type APNOptions struct {
	Category string `json:"category,omitempty"`
}

// GCMOptions are the Android-only fields.
type GCMOptions struct {
	Image string `json:"image,omitempty"`
	Style string `json:"style,omitempty"`
}

// ErrTokenInvalid is returned when the provider no longer knows the token
// (uninstalled app, expired registration): delete it.
var ErrTokenInvalid = errors.New("push: device token is invalid or unregistered")

// ErrNotConfigured is returned for a token of a kind no transport handles.
var ErrNotConfigured = errors.New("push: no transport configured for this token")

// StatusError is a provider's refusal other than an invalid token.
type StatusError struct {
	Provider   string // "gateway", "fcm", "apns"
	Code       int
	Reason     string
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("push: %s answered %d: %s", e.Provider, e.Code, e.Reason)
}

// Permanent reports whether retrying cannot help: the token is invalid or
// the provider refused the request itself (4xx other than 429).
func Permanent(err error) bool {
	if errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrNotConfigured) {
		return true
	}
	var se *StatusError
	return errors.As(err, &se) && se.Code >= 400 && se.Code < 500 && se.Code != http.StatusTooManyRequests
}

// RetryAfter is the delay a provider asked for (429, 503), or 0.
func RetryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// SendOptions tune one push.
type SendOptions struct {
	// CollapseID, when set (the job's key), makes a push sent twice replace
	// its first copy on the device (apns-collapse-id, FCM collapse_key).
	CollapseID string
}

// Sender delivers notifications: through the gateway when set, else to
// FCM and APNs directly.
type Sender struct {
	Gateway *Gateway // Push_enable_gateway
	FCM     *FCM     // Android (and iOS apps using FCM) without a gateway
	APNs    *APNs    // iOS without a gateway
}

// Send delivers n to one device.
func (s *Sender) Send(ctx context.Context, tok Token, n Notification, o SendOptions) error {
	if tok.Value == "" {
		return fmt.Errorf("push: empty token: %w", ErrTokenInvalid)
	}
	if s.Gateway != nil {
		return s.Gateway.Send(ctx, tok, n)
	}
	switch tok.Kind {
	case KindGCM:
		if s.FCM != nil {
			return s.FCM.Send(ctx, tok.Value, n, o)
		}
	case KindAPN:
		if s.APNs != nil {
			return s.APNs.Send(ctx, tok, n, o)
		}
	default:
		return fmt.Errorf("push: token kind %q: %w", tok.Kind, ErrTokenInvalid)
	}
	return fmt.Errorf("push: %s token: %w", tok.Kind, ErrNotConfigured)
}

// statusError reads a refusal's Retry-After.
func statusError(provider string, resp *http.Response, reason string) *StatusError {
	se := &StatusError{Provider: provider, Code: resp.StatusCode, Reason: strings.TrimSpace(reason)}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := time.ParseDuration(ra + "s"); err == nil && secs > 0 {
			se.RetryAfter = secs
		} else if t, err := http.ParseTime(ra); err == nil {
			se.RetryAfter = time.Until(t)
		}
	}
	return se
}
