package notifier_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"liftoff/jobs"
	"liftoff/model"
	"liftoff/notify/devices"
	"liftoff/notify/notifier"
	"liftoff/notify/rules"
	"liftoff/settings/setting"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// TestAPNsWithoutGateway sends a message's pushes straight to APNs (an
// HTTP/2 server over TLS) when the gateway is off and the Liftoff_Push_apn_*
// settings hold a token key: Apple's request (path, topic, push type,
// ES256 bearer signed by the key, with its key id and team), the payload
// the apps read, and a device APNs answers 410 for removed.
func TestAPNsWithoutGateway(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})

	type call struct {
		path, topic, pushType, proto string
		claims                       jwt.MapClaims
		kid                          string
		body                         map[string]any
	}
	var mu sync.Mutex
	var calls []call
	apple := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := call{path: r.URL.Path, topic: r.Header.Get("apns-topic"), pushType: r.Header.Get("apns-push-type"), proto: r.Proto}
		bearer, _ := strings.CutPrefix(r.Header.Get("authorization"), "bearer ")
		tok, err := jwt.Parse(bearer, func(tk *jwt.Token) (any, error) { return &key.PublicKey, nil }, jwt.WithValidMethods([]string{"ES256"}))
		if err != nil {
			http.Error(w, `{"reason":"InvalidProviderToken"}`, http.StatusForbidden)
			return
		}
		c.claims, _ = tok.Claims.(jwt.MapClaims)
		c.kid, _ = tok.Header["kid"].(string)
		_ = json.NewDecoder(r.Body).Decode(&c.body)
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/tok-gone") {
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte(`{"reason":"Unregistered","timestamp":1700000000000}`))
			return
		}
		w.Header().Set("apns-id", "1")
	}))
	apple.EnableHTTP2 = true
	apple.StartTLS()
	defer apple.Close()

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "liftoff.db"), nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now()
	room := &model.Room{ID: "R", Type: "c", Name: "ops", UsersCount: 3}
	users := []*model.User{
		{ID: "alice", Username: "alice", Active: true, Status: "online", Type: "user"},
		{ID: "bob", Username: "bob", Active: true, Status: "offline", Type: "user"},
		{ID: "carol", Username: "carol", Active: true, Status: "offline", Type: "user"},
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRoom(ctx, room); err != nil {
			return err
		}
		for _, u := range users {
			if err := tx.InsertUser(ctx, u); err != nil {
				return err
			}
			if err := tx.InsertSubscription(ctx, &model.Subscription{ID: "s" + u.ID, RoomID: room.ID, User: u.Ref(), RoomType: "c", Name: "ops", Open: true}); err != nil {
				return err
			}
		}
		return tx.InsertMessage(ctx, &model.Message{ID: "m1", RoomID: "R", Msg: "@all ship it", SentAt: model.TimeOf(now), Author: users[0].Ref(),
			Mentions: []model.Mention{{ID: "all", Username: "all"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []devices.Device{
		{ID: "d-bob", UserID: "bob", Type: devices.APN, Token: "tok-bob", AppName: "chat.rocket.ios", CreatedAt: now, UpdatedAt: now},
		{ID: "d-carol", UserID: "carol", Type: devices.APN, Token: "tok-gone", AppName: "chat.rocket.ios", CreatedAt: now, UpdatedAt: now},
	} {
		if err := db.SaveDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}

	q := jobs.New(db, jobs.Options{PollInterval: 10 * time.Millisecond})
	base := rules.DefaultSettings()
	n := notifier.New(notifier.Deps{Store: db, Devices: db, Queue: q, Rules: &base, APNsHost: apple.URL, APNsClient: apple.Client(),
		Settings: settingsMap{
			setting.PushEnable: true, setting.PushEnableGateway: false,
			setting.LiftoffPushApnKey: string(keyPEM), setting.LiftoffPushApnKeyID: "KEY123", setting.LiftoffPushApnTeamID: "TEAM42",
			setting.ThreadsEnabled: true, setting.PushShowMessage: true, setting.PushShowUsernameRoom: true,
			setting.SiteURL: "http://chat.example.org", setting.NotificationsMaxRoomMembers: 100,
			setting.AccountsDefaultUserPreferencesPushNotifications: "all",
		}})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = q.Run(runCtx) }()
	go n.Run(runCtx)
	msg, _ := db.MessageByID(ctx, "m1")
	n.OnEvents([]model.Event{model.MessageSaved{Message: msg, RoomType: "c", RoomName: "ops", Created: true}})

	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := db.Device(ctx, "d-carol")
		mu.Lock()
		done := len(calls) == 2 && errors.Is(err, devices.ErrNotFound)
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("APNs got %+v; carol's device: %v", calls, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var bob *call
	for i := range calls {
		if calls[i].path == "/3/device/tok-bob" {
			bob = &calls[i]
		}
	}
	if bob == nil || bob.proto != "HTTP/2.0" || bob.topic != "chat.rocket.ios" || bob.pushType != "alert" ||
		bob.kid != "KEY123" || bob.claims["iss"] != "TEAM42" {
		t.Fatalf("bob's APNs request: %+v", bob)
	}
	aps, _ := bob.body["aps"].(map[string]any)
	if aps == nil || !strings.Contains(jsonString(bob.body), "ship it") {
		t.Fatalf("APNs payload: %v", bob.body)
	}
	if _, err := db.Device(ctx, "d-bob"); err != nil {
		t.Fatalf("bob's device: %v", err)
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }
