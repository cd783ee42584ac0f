package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// fcmScope is the OAuth2 scope of FCM's HTTP v1 API.
const fcmScope = "https://www.googleapis.com/auth/firebase.messaging"

// FCM sends through Firebase Cloud Messaging's HTTP v1 API.
type FCM struct {
	ProjectID string
	Tokens    oauth2.TokenSource // access tokens for fcmScope
	Endpoint  string             // default https://fcm.googleapis.com
	Client    *http.Client       // nil: a client with a 30 s timeout
}

// NewFCM reads a service account's JSON key (Push_google_api_credentials):
// its project_id, and its private key, which signs the JWTs exchanged at
// its token_uri for access tokens (cached until they expire).
func NewFCM(ctx context.Context, credentialsJSON []byte) (*FCM, error) {
	var acct struct {
		ProjectID    string `json:"project_id"`
		ClientEmail  string `json:"client_email"`
		PrivateKey   string `json:"private_key"`
		PrivateKeyID string `json:"private_key_id"`
		TokenURI     string `json:"token_uri"`
	}
	if err := json.Unmarshal(credentialsJSON, &acct); err != nil {
		return nil, fmt.Errorf("push: FCM credentials are not JSON: %w", err)
	}
	if acct.ProjectID == "" || acct.ClientEmail == "" || acct.PrivateKey == "" || acct.PrivateKeyID == "" {
		return nil, fmt.Errorf("push: FCM credentials need project_id, client_email, private_key and private_key_id")
	}
	if acct.TokenURI == "" {
		acct.TokenURI = "https://oauth2.googleapis.com/token"
	}
	cfg := &jwt.Config{
		Email:        acct.ClientEmail,
		PrivateKey:   []byte(acct.PrivateKey),
		PrivateKeyID: acct.PrivateKeyID,
		Scopes:       []string{fcmScope},
		TokenURL:     acct.TokenURI,
	}
	return &FCM{ProjectID: acct.ProjectID, Tokens: oauth2.ReuseTokenSource(nil, cfg.TokenSource(context.WithoutCancel(ctx)))}, nil
}

type fcmMessage struct {
	Token        string            `json:"token"`
	Notification *fcmNotification  `json:"notification,omitempty"`
	Data         map[string]string `json:"data,omitempty"`
	Android      *fcmAndroid       `json:"android,omitempty"`
}

type fcmNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

type fcmAndroid struct {
	Priority    string `json:"priority,omitempty"`
	CollapseKey string `json:"collapse_key,omitempty"`
}

// fcmData is Rocket.Chat's data field: the payload as EJSON under "ejson",
// and the Android plugin's extras (image, msgcnt, soundname, notId, style).
func fcmData(n Notification) (map[string]string, error) {
	data := map[string]string{}
	if n.Payload != nil {
		b, err := json.Marshal(n.Payload)
		if err != nil {
			return nil, err
		}
		data["ejson"] = string(b)
	}
	if n.GCM != nil && n.GCM.Image != "" {
		data["image"] = n.GCM.Image
	}
	if n.Badge != nil && *n.Badge != 0 {
		data["msgcnt"] = strconv.Itoa(*n.Badge)
	}
	if n.Sound != "" {
		data["soundname"] = n.Sound
	}
	if n.NotID != 0 {
		data["notId"] = strconv.Itoa(int(n.NotID))
	}
	if n.GCM != nil && n.GCM.Style != "" {
		data["style"] = n.GCM.Style
	}
	if n.ContentAvailable != 0 {
		data["content-available"] = strconv.Itoa(n.ContentAvailable)
	}
	return data, nil
}

// Send posts n to one registration token. 404 (unregistered) and 403
// (sender id mismatch) mean the token is not ours any more.
func (f *FCM) Send(ctx context.Context, token string, n Notification, o SendOptions) error {
	data, err := fcmData(n)
	if err != nil {
		return fmt.Errorf("push: encode FCM data: %w", err)
	}
	msg := fcmMessage{
		Token:        token,
		Notification: &fcmNotification{Title: n.Title, Body: n.Text},
		Data:         data,
		Android:      &fcmAndroid{Priority: "HIGH", CollapseKey: o.CollapseID},
	}
	body, err := json.Marshal(map[string]any{"message": msg})
	if err != nil {
		return fmt.Errorf("push: encode FCM message: %w", err)
	}
	access, err := f.Tokens.Token()
	if err != nil {
		return fmt.Errorf("push: FCM access token: %w", err)
	}
	endpoint := f.Endpoint
	if endpoint == "" {
		endpoint = "https://fcm.googleapis.com"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/v1/projects/"+f.ProjectID+"/messages:send", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("push: FCM request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	access.SetAuthHeader(req)
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("push: FCM: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 8192))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		return ErrTokenInvalid
	}
	var fe struct {
		Error struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"error"`
	}
	reason := string(raw)
	if json.Unmarshal(raw, &fe) == nil && fe.Error.Status != "" {
		reason = fe.Error.Status + ": " + fe.Error.Message
	}
	se := statusError("fcm", resp, reason)
	if resp.StatusCode == http.StatusTooManyRequests && se.RetryAfter == 0 {
		se.RetryAfter = time.Minute // Rocket.Chat's default without Retry-After
	}
	return se
}
