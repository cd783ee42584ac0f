// Package webpush sends Web Push notifications to browsers (RFC 8030): the
// payload encrypted for the subscription (RFC 8291, aes128gcm) and the
// request signed with the server's VAPID key (RFC 8292), through
// github.com/SherClockHolmes/webpush-go.
//
// The VAPID key pair identifies the server to push services: generate it
// once (GenerateKeys), keep it (the wiring stores it as a setting), and give
// its public half to browsers, which subscribe with it
// (PushManager.subscribe's applicationServerKey). A subscription that the
// push service reports gone (404, 410) yields ErrExpired: remove it.
package webpush

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	wp "github.com/SherClockHolmes/webpush-go"
)

// Keys is a VAPID key pair, each half base64url-encoded without padding
// (the public key is the uncompressed P-256 point browsers expect).
type Keys struct {
	Public  string `json:"publicKey"`
	Private string `json:"privateKey"`
}

// GenerateKeys makes a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	priv, pub, err := wp.GenerateVAPIDKeys()
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: generate VAPID keys: %w", err)
	}
	return Keys{Public: pub, Private: priv}, nil
}

// Subscription is a browser's PushSubscription as its toJSON() gives it.
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// Validate checks that the subscription can be sent to.
func (s Subscription) Validate() error {
	if !strings.HasPrefix(s.Endpoint, "https://") && !strings.HasPrefix(s.Endpoint, "http://") {
		return fmt.Errorf("webpush: subscription endpoint %q is not an http(s) URL", s.Endpoint)
	}
	p, err1 := decodeKey(s.Keys.P256dh)
	a, err2 := decodeKey(s.Keys.Auth)
	if err1 != nil || err2 != nil || len(p) != 65 || len(a) != 16 {
		return errors.New("webpush: subscription keys are not a P-256 key (p256dh) and a 16-byte secret (auth)")
	}
	return nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// ErrExpired is returned when the push service no longer knows the
// subscription (404 or 410): the caller deletes it.
var ErrExpired = errors.New("webpush: subscription expired or unsubscribed")

// StatusError is a push service's refusal.
type StatusError struct {
	Code       int
	Body       string
	RetryAfter time.Duration // from Retry-After on 429 and 503
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("webpush: push service answered %d: %s", e.Code, e.Body)
}

// Permanent reports whether retrying cannot help: an expired subscription
// or a 4xx answer other than 429.
func Permanent(err error) bool {
	if errors.Is(err, ErrExpired) {
		return true
	}
	var se *StatusError
	return errors.As(err, &se) && se.Code >= 400 && se.Code < 500 && se.Code != http.StatusTooManyRequests
}

// Options tune one push.
type Options struct {
	// TTL is how long the push service keeps an undelivered message
	// (default 24 hours).
	TTL time.Duration
	// Urgency is "very-low", "low", "normal" (default) or "high".
	Urgency string
	// Topic, when set (the job's key), is hashed into the Topic header: a
	// message sent twice replaces its undelivered copy at the push service.
	Topic string
}

// Sender sends pushes with one VAPID identity.
type Sender struct {
	keys       Keys
	subscriber string
	client     *http.Client
}

// NewSender returns a sender. subscriber is the contact push services may
// use: an e-mail address (without "mailto:") or an https URL. client may be
// nil (a client with a 30 s timeout).
func NewSender(keys Keys, subscriber string, client *http.Client) (*Sender, error) {
	pub, err1 := decodeKey(keys.Public)
	priv, err2 := decodeKey(keys.Private)
	if err1 != nil || err2 != nil || len(pub) != 65 || len(priv) != 32 {
		return nil, errors.New("webpush: invalid VAPID keys")
	}
	if subscriber == "" {
		return nil, errors.New("webpush: a VAPID subscriber (e-mail address or https URL) is required")
	}
	subscriber = strings.TrimPrefix(subscriber, "mailto:")
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Sender{keys: keys, subscriber: subscriber, client: client}, nil
}

// PublicKey is the key browsers subscribe with (applicationServerKey).
func (s *Sender) PublicKey() string { return s.keys.Public }

// Send encrypts payload for sub and posts it to the push service.
func (s *Sender) Send(ctx context.Context, sub Subscription, payload []byte, o Options) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	if o.TTL <= 0 {
		o.TTL = 24 * time.Hour
	}
	opts := &wp.Options{
		HTTPClient:      s.client,
		Subscriber:      s.subscriber,
		TTL:             int(o.TTL / time.Second),
		Urgency:         wp.Urgency(o.Urgency),
		VAPIDPublicKey:  s.keys.Public,
		VAPIDPrivateKey: s.keys.Private,
	}
	if o.Topic != "" {
		sum := sha256.Sum256([]byte(o.Topic))
		opts.Topic = base64.RawURLEncoding.EncodeToString(sum[:24]) // 32 characters, RFC 8030's limit
	}
	ws := &wp.Subscription{Endpoint: sub.Endpoint, Keys: wp.Keys{P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth}}
	resp, err := wp.SendNotificationWithContext(ctx, payload, ws, opts)
	if err != nil {
		return fmt.Errorf("webpush: send: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrExpired
	}
	se := &StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		se.RetryAfter = time.Duration(secs) * time.Second
	}
	return se
}

// Notification is the payload Liftoff's service worker shows: the title
// and body of the notification, and where a click leads.
type Notification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	// Tag groups a room's notifications (the room id): a new one replaces
	// the previous one on screen.
	Tag  string           `json:"tag,omitempty"`
	Icon string           `json:"icon,omitempty"`
	Data NotificationData `json:"data"`
}

// NotificationData tells the service worker what to open.
type NotificationData struct {
	RoomID    string `json:"rid"`
	MessageID string `json:"mid,omitempty"`
	ThreadID  string `json:"tmid,omitempty"`
	// URL opens the message (Site_Url + the room's path + "?msg=" + id).
	URL string `json:"url"`
}
