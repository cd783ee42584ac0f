package webpush_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"liftoff/internal/peer"
	"liftoff/notify/webpush"
)

// pushService is a running web-push-testing: a real push service that
// checks VAPID and decrypts what it receives.
type pushService struct{ base string }

func startPushService(t *testing.T) *pushService {
	t.Helper()
	bin := peer.Path(t, "web-push-testing")
	port := peer.FreePort(t)
	p := peer.Start(t, peer.Options{}, bin, strconv.Itoa(port))
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	p.WaitHTTP(t, base+"/", 30*time.Second) // it answers 404 to GET /
	return &pushService{base: base}
}

func (s *pushService) post(t *testing.T, path string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := http.Post(s.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// subscribe makes a browser-like subscription for the VAPID public key.
func (s *pushService) subscribe(t *testing.T, vapidPublic string) (webpush.Subscription, string) {
	t.Helper()
	var r struct {
		Data struct {
			webpush.Subscription
			ClientHash string `json:"clientHash"`
		} `json:"data"`
	}
	// The service wants userVisibleOnly as the string "true".
	s.post(t, "/subscribe", map[string]string{"userVisibleOnly": "true", "applicationServerKey": vapidPublic}, &r)
	return r.Data.Subscription, r.Data.ClientHash
}

func (s *pushService) received(t *testing.T, clientHash string) []string {
	t.Helper()
	var r struct {
		Data struct {
			Messages []string `json:"messages"`
		} `json:"data"`
	}
	s.post(t, "/get-notifications", map[string]string{"clientHash": clientHash}, &r)
	return r.Data.Messages
}

func TestSendDecryptedByPushService(t *testing.T) {
	svc := startPushService(t)
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	sender, err := webpush.NewSender(keys, "admin@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, hash := svc.subscribe(t, keys.Public)
	if err := sub.Validate(); err != nil {
		t.Fatalf("the service's subscription: %v", err)
	}
	payload, _ := json.Marshal(webpush.Notification{
		Title: "#general", Body: "alice: hello 👋", Tag: "GENERAL",
		Data: webpush.NotificationData{RoomID: "GENERAL", MessageID: "m1", URL: "https://chat.example.org/channel/general?msg=m1"},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sender.Send(ctx, sub, payload, webpush.Options{Topic: "webpush:m1:u1", Urgency: "high"}); err != nil {
		t.Fatal(err)
	}
	got := svc.received(t, hash)
	if len(got) != 1 || got[0] != string(payload) {
		t.Fatalf("the service decrypted %q, want %q", got, payload)
	}

	// A subscription signed for another server's key is refused by the service.
	other, _ := webpush.GenerateKeys()
	otherSender, _ := webpush.NewSender(other, "admin@example.org", nil)
	if err := otherSender.Send(ctx, sub, payload, webpush.Options{}); err == nil || !webpush.Permanent(err) {
		t.Fatalf("push with the wrong VAPID key: %v; want a permanent refusal", err)
	}

	// Expired: the caller is told to remove the subscription.
	svc.post(t, "/expire-subscription/"+hash, map[string]string{}, nil)
	err = sender.Send(ctx, sub, payload, webpush.Options{})
	if !errors.Is(err, webpush.ErrExpired) || !webpush.Permanent(err) {
		t.Fatalf("push to an expired subscription: %v; want ErrExpired", err)
	}
}

// TestStatusHandling checks the answers push services give beyond the
// testing service: 404, 429 with Retry-After, 5xx.
func TestStatusHandling(t *testing.T) {
	keys, _ := webpush.GenerateKeys()
	sender, _ := webpush.NewSender(keys, "https://chat.example.org", nil)
	status, retry := http.StatusNotFound, ""
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	sub := webpush.Subscription{Endpoint: srv.URL + "/push/abc"}
	// A valid subscription key pair made by a real subscription's shape.
	sub.Keys.P256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
	sub.Keys.Auth = "tBHItJI5svbpez7KI4CCXg"
	ctx := context.Background()
	if err := sender.Send(ctx, sub, []byte("x"), webpush.Options{Topic: "k"}); !errors.Is(err, webpush.ErrExpired) {
		t.Fatalf("404: %v", err)
	}
	if got.Header.Get("Content-Encoding") != "aes128gcm" || got.Header.Get("TTL") != "86400" ||
		len(got.Header.Get("Topic")) != 32 || !bytes.HasPrefix([]byte(got.Header.Get("Authorization")), []byte("vapid t=")) {
		t.Fatalf("request headers %v", got.Header)
	}
	status, retry = http.StatusTooManyRequests, "120"
	err := sender.Send(ctx, sub, []byte("x"), webpush.Options{})
	var se *webpush.StatusError
	if !errors.As(err, &se) || se.RetryAfter != 2*time.Minute || webpush.Permanent(err) {
		t.Fatalf("429: %v", err)
	}
	status, retry = http.StatusBadGateway, ""
	if err := sender.Send(ctx, sub, []byte("x"), webpush.Options{}); err == nil || webpush.Permanent(err) {
		t.Fatalf("502: %v; want a retryable error", err)
	}
	bad := sub
	bad.Keys.Auth = "short"
	if err := sender.Send(ctx, bad, []byte("x"), webpush.Options{}); err == nil {
		t.Fatal("sent to a subscription with a bad auth secret")
	}
	if _, err := webpush.NewSender(webpush.Keys{Public: "x", Private: "y"}, "a@b", nil); err == nil {
		t.Fatal("NewSender accepted invalid keys")
	}
}
