package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Gateway sends through Rocket.Chat push gateways (Push_gateway, one URL a
// line; the first is used, as Rocket.Chat does): POST <gateway>/push/<apn|
// gcm>/send with {"token": ..., "options": <notification>}. A 406 answer
// means the token is gone.
type Gateway struct {
	URLs []string
	// UniqueID is the server's uniqueID setting, sent as options.uniqueId.
	UniqueID string
	// Authorization, when set, returns the Authorization header (the
	// Rocket.Chat Cloud workspace token for the official gateway).
	Authorization func(ctx context.Context) (string, error)
	Client        *http.Client // nil: a client with a 30 s timeout
	// Now is the clock of createdAt (default time.Now).
	Now func() time.Time
}

// NewGateway reads Push_gateway's value (URLs one a line).
func NewGateway(urls, uniqueID string) *Gateway {
	var list []string
	for _, u := range strings.Split(urls, "\n") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			list = append(list, u)
		}
	}
	return &Gateway{URLs: list, UniqueID: uniqueID}
}

// gatewayNotification is the notification as the gateway reads it.
type gatewayNotification struct {
	Notification
	UniqueID  string    `json:"uniqueId"`
	Topic     string    `json:"topic,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	Sent      bool      `json:"sent"`
	Sending   int       `json:"sending"`
}

// Send posts n for one token.
func (g *Gateway) Send(ctx context.Context, tok Token, n Notification) error {
	if len(g.URLs) == 0 {
		return fmt.Errorf("push: no gateway URL: %w", ErrNotConfigured)
	}
	service := tok.Kind
	if service != KindAPN && service != KindGCM {
		return fmt.Errorf("push: token kind %q: %w", tok.Kind, ErrTokenInvalid)
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	gn := gatewayNotification{Notification: n, UniqueID: g.UniqueID, CreatedAt: now().UTC(), CreatedBy: "<SERVER>"}
	if service == KindAPN {
		gn.Topic = tok.AppName
	}
	body, err := json.Marshal(map[string]any{"token": tok.Value, "options": gn})
	if err != nil {
		return fmt.Errorf("push: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URLs[0]+"/push/"+service+"/send", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("push: gateway request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if g.Authorization != nil {
		auth, err := g.Authorization(ctx)
		if err != nil {
			return fmt.Errorf("push: gateway authorization: %w", err)
		}
		req.Header.Set("Authorization", auth)
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("push: gateway: %w", err)
	}
	defer resp.Body.Close()
	reason, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusNotAcceptable:
		return ErrTokenInvalid
	}
	// 422 (rejected) and 401 (not authorized) are not retried, as in
	// Rocket.Chat; other failures are.
	return statusError("gateway", resp, string(reason))
}
