package push_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"liftoff/notify/push"
)

func TestNotificationID(t *testing.T) {
	// Values computed by Rocket.Chat's hash function (JavaScript).
	for in, want := range map[[2]string]int32{
		{"uniq123", "GENERAL"}: 116093085,
		{"🚀x", "room"}:         -289793346,
	} {
		if got := push.NotificationID(in[0], in[1]); got != want {
			t.Errorf("NotificationID(%q, %q) = %d, want %d", in[0], in[1], got, want)
		}
	}
}

var msgSettings = push.MessageSettings{
	SiteURL: "https://chat.example.org", UniqueID: "uniq123", ShowMessage: true, ShowNames: true,
	Icon: "https://chat.example.org/assets/favicon_192.png",
}

func channelMessage() push.MessageInput {
	return push.MessageInput{
		RoomID: "GENERAL", RoomType: "c", RoomName: "general", MessageID: "m1",
		SenderID: "u1", SenderUsername: "alice", SenderName: "Alice Liddell", Text: "hello @bob",
		RecipientID: "u2", RecipientUsername: "bob", Badge: 3,
	}
}

func TestMessage(t *testing.T) {
	n := push.Message(channelMessage(), msgSettings)
	three := 3
	want := push.Notification{
		From: "push", Title: "#general", Text: "alice: hello @bob", Badge: &three, Sound: "default", Priority: 10,
		NotID: 116093085, UserID: "u2",
		Payload: map[string]any{
			"host": "https://chat.example.org/", "messageId": "m1", "notificationType": "message", "rid": "GENERAL",
			"sender":     map[string]any{"_id": "u1", "username": "alice", "name": "Alice Liddell"},
			"senderName": "alice", "type": "c", "name": "general",
		},
		APN: &push.APNOptions{Category: "MESSAGE"},
		GCM: &push.GCMOptions{Style: "inbox", Image: "https://chat.example.org/assets/favicon_192.png"},
	}
	if !reflect.DeepEqual(n, want) {
		t.Fatalf("Message =\n%#v\nwant\n%#v", n, want)
	}

	dm := channelMessage()
	dm.RoomType, dm.RoomName, dm.Tmid = "d", "alice", "parent"
	n = push.Message(dm, push.MessageSettings{ShowMessage: true, ShowNames: true, UseRealName: true})
	if n.Title != "Alice Liddell" || n.Text != "hello @bob" || n.Payload["tmid"] != "parent" || n.Payload["senderName"] != "Alice Liddell" {
		t.Fatalf("direct message: %+v", n)
	}

	private := channelMessage()
	n = push.Message(private, push.MessageSettings{ShowMessage: false, ShowNames: false})
	if n.Title != "" || n.Text != "You have a new message" || n.Payload["name"] != "" || n.Payload["senderName"] != "" {
		t.Fatalf("Push_show_message and Push_show_username_room off: %+v", n)
	}

	n = push.Message(channelMessage(), push.MessageSettings{ContentFromApp: true, ShowMessage: true, ShowNames: true})
	if n.Title != "" || n.Text != "You have a new message" || n.Payload["notificationType"] != "message-id-only" || n.Payload["rid"] != nil {
		t.Fatalf("id-only: %+v", n)
	}

	ro := channelMessage()
	ro.RoomReadOnly = true
	muted := channelMessage()
	muted.RoomMuted = []string{"bob"}
	for _, in := range []push.MessageInput{ro, muted} {
		if n := push.Message(in, msgSettings); n.APN.Category != "MESSAGE_NOREPLY" {
			t.Fatalf("reply action offered in %+v", in)
		}
	}
}

func TestGateway(t *testing.T) {
	var got struct {
		path, auth string
		body       map[string]any
	}
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.auth = r.URL.Path, r.Header.Get("Authorization")
		got.body = nil
		json.NewDecoder(r.Body).Decode(&got.body)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	g := push.NewGateway(srv.URL+"/\nhttps://unused.example.org", "uniq123")
	g.Authorization = func(context.Context) (string, error) { return "Bearer workspace-token", nil }
	g.Now = func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) }
	s := &push.Sender{Gateway: g}
	n := push.Message(channelMessage(), msgSettings)
	ctx := context.Background()
	if err := s.Send(ctx, push.Token{Kind: push.KindAPN, Value: "apn-token", AppName: "chat.rocket.ios"}, n, push.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	wantBody := map[string]any{
		"token": "apn-token",
		"options": map[string]any{
			"from": "push", "title": "#general", "text": "alice: hello @bob", "badge": 3.0, "sound": "default",
			"notId": 116093085.0, "userId": "u2", "uniqueId": "uniq123", "topic": "chat.rocket.ios",
			"createdAt": "2026-12-03T10:00:00Z", "createdBy": "<SERVER>", "sent": false, "sending": 0.0,
			"apn": map[string]any{"category": "MESSAGE"},
			"gcm": map[string]any{"style": "inbox", "image": "https://chat.example.org/assets/favicon_192.png"},
			"payload": map[string]any{
				"host": "https://chat.example.org/", "messageId": "m1", "notificationType": "message", "rid": "GENERAL",
				"sender":     map[string]any{"_id": "u1", "username": "alice", "name": "Alice Liddell"},
				"senderName": "alice", "type": "c", "name": "general",
			},
		},
	}
	if got.path != "/push/apn/send" || got.auth != "Bearer workspace-token" || !reflect.DeepEqual(got.body, wantBody) {
		t.Fatalf("gateway request %s %q\n%#v\nwant\n%#v", got.path, got.auth, got.body, wantBody)
	}
	if err := s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "gcm-token"}, n, push.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if got.path != "/push/gcm/send" || got.body["options"].(map[string]any)["topic"] != nil {
		t.Fatalf("gcm via gateway: %s %v", got.path, got.body)
	}
	status = http.StatusNotAcceptable
	if err := s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "gone"}, n, push.SendOptions{}); !errors.Is(err, push.ErrTokenInvalid) {
		t.Fatalf("406: %v, want ErrTokenInvalid", err)
	}
	status = http.StatusUnprocessableEntity
	if err := s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "x"}, n, push.SendOptions{}); err == nil || !push.Permanent(err) {
		t.Fatalf("422: %v, want a permanent error", err)
	}
	status = http.StatusServiceUnavailable
	if err := s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "x"}, n, push.SendOptions{}); err == nil || push.Permanent(err) {
		t.Fatalf("503: %v, want a retryable error", err)
	}
}

// fakeGoogle is an OAuth2 token endpoint (checking the service account's
// signed JWT) and FCM's messages:send.
type fakeGoogle struct {
	t   *testing.T
	key *rsa.PrivateKey
	srv *httptest.Server

	mu        sync.Mutex
	tokenHits int
	sends     []map[string]any
	auths     []string
	status    int
	header    http.Header
}

func newFakeGoogle(t *testing.T) *fakeGoogle {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeGoogle{t: t, key: key, status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGoogle) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/token":
		r.ParseForm()
		assertion := r.PostForm.Get("assertion")
		tok, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return &f.key.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(f.srv.URL+"/token"))
		if err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			http.Error(w, "bad assertion", http.StatusBadRequest)
			return
		}
		claims := tok.Claims.(jwt.MapClaims)
		if claims["iss"] != "push@proj-1.iam.gserviceaccount.com" || claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" || tok.Header["kid"] != "key-1" {
			http.Error(w, "bad claims", http.StatusBadRequest)
			return
		}
		f.tokenHits++
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"ya29.fake","token_type":"Bearer","expires_in":3600}`)
	case "/v1/projects/proj-1/messages:send":
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		f.sends = append(f.sends, body)
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(f.status)
		if f.status == http.StatusNotFound {
			io.WriteString(w, `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}`)
		}
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeGoogle) credentials() []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(f.key)
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "proj-1", "private_key_id": "key-1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "push@proj-1.iam.gserviceaccount.com", "token_uri": f.srv.URL + "/token",
	})
	return b
}

func TestFCM(t *testing.T) {
	g := newFakeGoogle(t)
	ctx := context.Background()
	fcm, err := push.NewFCM(ctx, g.credentials())
	if err != nil {
		t.Fatal(err)
	}
	fcm.Endpoint = g.srv.URL
	s := &push.Sender{FCM: fcm}
	n := push.Message(channelMessage(), msgSettings)
	for range 2 {
		if err := s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "fcm-token"}, n, push.SendOptions{CollapseID: "push:m1:u2"}); err != nil {
			t.Fatal(err)
		}
	}
	g.mu.Lock()
	if g.tokenHits != 1 || len(g.sends) != 2 || g.auths[0] != "Bearer ya29.fake" {
		t.Fatalf("token requests %d, sends %d, auth %q; want one token for both sends", g.tokenHits, len(g.sends), g.auths)
	}
	want := map[string]any{"message": map[string]any{
		"token":        "fcm-token",
		"notification": map[string]any{"title": "#general", "body": "alice: hello @bob"},
		"data": map[string]any{
			"ejson":     `{"host":"https://chat.example.org/","messageId":"m1","name":"general","notificationType":"message","rid":"GENERAL","sender":{"_id":"u1","name":"Alice Liddell","username":"alice"},"senderName":"alice","type":"c"}`,
			"image":     "https://chat.example.org/assets/favicon_192.png",
			"msgcnt":    "3",
			"soundname": "default",
			"notId":     "116093085",
			"style":     "inbox",
		},
		"android": map[string]any{"priority": "HIGH", "collapse_key": "push:m1:u2"},
	}}
	if !reflect.DeepEqual(g.sends[0], want) {
		t.Fatalf("FCM body\n%#v\nwant\n%#v", g.sends[0], want)
	}
	g.status = http.StatusNotFound
	g.mu.Unlock()
	if err := s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "gone"}, n, push.SendOptions{}); !errors.Is(err, push.ErrTokenInvalid) {
		t.Fatalf("404 UNREGISTERED: %v", err)
	}
	g.mu.Lock()
	g.status, g.header = http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}
	g.mu.Unlock()
	err = s.Send(ctx, push.Token{Kind: push.KindGCM, Value: "x"}, n, push.SendOptions{})
	if err == nil || push.Permanent(err) || push.RetryAfter(err) != 30*time.Second {
		t.Fatalf("429: %v (retry after %v)", err, push.RetryAfter(err))
	}
	if _, err := push.NewFCM(ctx, []byte(`{"project_id":"p"}`)); err == nil {
		t.Fatal("incomplete credentials accepted")
	}
}

func TestAPNs(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var mu sync.Mutex
	var reqs []*http.Request
	var bodies []map[string]any
	status, reason := http.StatusOK, ""
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var b map[string]any
		json.NewDecoder(r.Body).Decode(&b)
		reqs, bodies = append(reqs, r), append(bodies, b)
		w.WriteHeader(status)
		if reason != "" {
			io.WriteString(w, `{"reason":"`+reason+`"}`)
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	parsed, err := push.ParseP8(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	apns := &push.APNs{Host: srv.URL, KeyID: "KEY123", TeamID: "TEAM456", Key: parsed, Client: srv.Client(), Now: func() time.Time { return now }}
	s := &push.Sender{APNs: apns}
	n := push.Message(channelMessage(), msgSettings)
	tok := push.Token{Kind: push.KindAPN, Value: "devtoken1", AppName: "chat.rocket.ios"}
	ctx := context.Background()
	if err := s.Send(ctx, tok, n, push.SendOptions{CollapseID: "push:m1:u2"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	r := reqs[0]
	if r.ProtoMajor != 2 || r.URL.Path != "/3/device/devtoken1" {
		t.Fatalf("request %s %s", r.Proto, r.URL.Path)
	}
	for h, want := range map[string]string{
		"apns-topic": "chat.rocket.ios", "apns-push-type": "alert", "apns-priority": "10",
		"apns-expiration": "1796295600", "apns-collapse-id": "",
	} {
		if got := r.Header.Get(h); got != want && !(h == "apns-collapse-id" && len(got) == 32) {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "bearer ")
	jt, err := jwt.Parse(bearer, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || jt.Header["kid"] != "KEY123" || jt.Claims.(jwt.MapClaims)["iss"] != "TEAM456" {
		t.Fatalf("provider token %q: %v %v", bearer, err, jt)
	}
	want := map[string]any{
		"aps": map[string]any{
			"alert": map[string]any{"title": "#general", "body": "alice: hello @bob"},
			"badge": 3.0, "sound": "default", "category": "MESSAGE", "mutable-content": 1.0, "thread-id": "116093085",
		},
		"messageFrom": "push",
		"ejson":       `{"host":"https://chat.example.org/","messageId":"m1","name":"general","notificationType":"message","rid":"GENERAL","sender":{"_id":"u1","name":"Alice Liddell","username":"alice"},"senderName":"alice","type":"c"}`,
	}
	if !reflect.DeepEqual(bodies[0], want) {
		t.Fatalf("APNs body\n%#v\nwant\n%#v", bodies[0], want)
	}
	status, reason = http.StatusGone, "Unregistered"
	mu.Unlock()
	if err := s.Send(ctx, tok, n, push.SendOptions{}); !errors.Is(err, push.ErrTokenInvalid) {
		t.Fatalf("410 Unregistered: %v", err)
	}
	mu.Lock()
	status, reason = http.StatusBadRequest, "BadDeviceToken"
	mu.Unlock()
	if err := s.Send(ctx, tok, n, push.SendOptions{}); !errors.Is(err, push.ErrTokenInvalid) {
		t.Fatalf("400 BadDeviceToken: %v", err)
	}
	mu.Lock()
	status, reason = http.StatusBadRequest, "PayloadTooLarge"
	mu.Unlock()
	if err := s.Send(ctx, tok, n, push.SendOptions{}); err == nil || errors.Is(err, push.ErrTokenInvalid) || !push.Permanent(err) {
		t.Fatalf("400 PayloadTooLarge: %v; want permanent, token kept", err)
	}
	mu.Lock()
	status, reason = http.StatusServiceUnavailable, "ServiceUnavailable"
	mu.Unlock()
	if err := s.Send(ctx, tok, n, push.SendOptions{}); err == nil || push.Permanent(err) {
		t.Fatalf("503: %v; want retryable", err)
	}
	if err := (&push.Sender{}).Send(ctx, tok, n, push.SendOptions{}); !errors.Is(err, push.ErrNotConfigured) {
		t.Fatalf("no transport: %v", err)
	}
}
