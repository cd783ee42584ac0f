package push

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// APNs hosts.
const (
	APNsProduction = "https://api.push.apple.com"
	APNsSandbox    = "https://api.sandbox.push.apple.com"
)

// APNs sends to Apple's push service over HTTP/2 with token (JWT ES256)
// authentication.
type APNs struct {
	Host   string // APNsProduction or APNsSandbox (Push_production)
	KeyID  string // the .p8 key's id
	TeamID string
	Key    *ecdsa.PrivateKey
	Client *http.Client // must speak HTTP/2 (nil: Go's default transport, which does over TLS)
	Now    func() time.Time

	mu     sync.Mutex
	jwt    string
	issued time.Time
}

// ParseP8 reads an APNs authentication key (.p8, a PKCS #8 PEM).
func ParseP8(pemBytes []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("push: the APNs key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("push: the APNs key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("push: the APNs key is not an EC key")
	}
	return ec, nil
}

// bearer returns the provider token, made again every 50 minutes (Apple
// accepts one for an hour and refuses new ones more often than every 20).
func (a *APNs) bearer() (string, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.jwt != "" && now().Sub(a.issued) < 50*time.Minute {
		return a.jwt, nil
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": a.TeamID, "iat": now().Unix()})
	t.Header["kid"] = a.KeyID
	s, err := t.SignedString(a.Key)
	if err != nil {
		return "", fmt.Errorf("push: sign APNs token: %w", err)
	}
	a.jwt, a.issued = s, now()
	return s, nil
}

// apnsPayload is what node-apn makes of Rocket.Chat's notification.
func apnsPayload(n Notification) ([]byte, error) {
	aps := map[string]any{"mutable-content": 1}
	alert := map[string]any{}
	if n.Title != "" {
		alert["title"] = n.Title
	}
	if n.Text != "" {
		alert["body"] = n.Text
	}
	if len(alert) > 0 {
		aps["alert"] = alert
	}
	if n.Badge != nil {
		aps["badge"] = *n.Badge
	}
	if n.Sound != "" {
		aps["sound"] = n.Sound
	}
	if n.ContentAvailable != 0 {
		aps["content-available"] = 1
	}
	if n.APN != nil && n.APN.Category != "" {
		aps["category"] = n.APN.Category
	}
	if n.NotID != 0 {
		aps["thread-id"] = strconv.Itoa(int(n.NotID))
	}
	body := map[string]any{"aps": aps, "messageFrom": n.From}
	if n.Payload != nil {
		ejson, err := json.Marshal(n.Payload)
		if err != nil {
			return nil, err
		}
		body["ejson"] = string(ejson)
	}
	return json.Marshal(body)
}

// Send posts n to one device. 410 (Unregistered) and the 400 reasons that
// name the token (BadDeviceToken, DeviceTokenNotForTopic) mean it is gone.
func (a *APNs) Send(ctx context.Context, tok Token, n Notification, o SendOptions) error {
	if tok.AppName == "" {
		return fmt.Errorf("push: APNs token without an app name (topic): %w", ErrTokenInvalid)
	}
	body, err := apnsPayload(n)
	if err != nil {
		return fmt.Errorf("push: encode APNs payload: %w", err)
	}
	bearer, err := a.bearer()
	if err != nil {
		return err
	}
	host := a.Host
	if host == "" {
		host = APNsProduction
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, host+"/3/device/"+tok.Value, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("push: APNs request: %w", err)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	priority := n.Priority
	if priority == 0 {
		priority = 10
	}
	pushType := "alert"
	if n.Title == "" && n.Text == "" {
		pushType, priority = "background", 5
	}
	req.Header.Set("authorization", "bearer "+bearer)
	req.Header.Set("apns-topic", tok.AppName)
	req.Header.Set("apns-push-type", pushType)
	req.Header.Set("apns-priority", strconv.Itoa(priority))
	req.Header.Set("apns-expiration", strconv.FormatInt(now().Add(time.Hour).Unix(), 10))
	req.Header.Set("content-type", "application/json")
	if o.CollapseID != "" {
		sum := sha256.Sum256([]byte(o.CollapseID))
		req.Header.Set("apns-collapse-id", hex.EncodeToString(sum[:16])) // at most 64 bytes
	}
	client := a.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("push: APNs: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var r struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(raw, &r)
	switch {
	case resp.StatusCode == http.StatusGone,
		resp.StatusCode == http.StatusBadRequest && (r.Reason == "BadDeviceToken" || r.Reason == "DeviceTokenNotForTopic"):
		return ErrTokenInvalid
	case resp.StatusCode == http.StatusForbidden && r.Reason == "ExpiredProviderToken":
		a.mu.Lock()
		a.jwt = "" // make a new one next time
		a.mu.Unlock()
	}
	if r.Reason == "" {
		r.Reason = string(raw)
	}
	return statusError("apns", resp, r.Reason)
}
