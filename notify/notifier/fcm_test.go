package notifier_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
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

	"liftoff/jobs"
	"liftoff/model"
	"liftoff/notify/devices"
	"liftoff/notify/notifier"
	"liftoff/notify/rules"
	"liftoff/settings/setting"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// TestFCMWithoutGateway sends a message's pushes straight to FCM when the
// gateway is off and Push_google_api_credentials holds a service account:
// one access token from the account's token_uri for every push, the FCM
// HTTP v1 request per device, and a device FCM no longer knows removed.
func TestFCMWithoutGateway(t *testing.T) {
	var mu sync.Mutex
	var tokenHits int
	var sends []string // the device tokens FCM received
	var auths []string
	google := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/token":
			if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.PostForm.Get("assertion") == "" {
				http.Error(w, "bad grant", http.StatusBadRequest)
				return
			}
			tokenHits++
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"ya29.fake","token_type":"Bearer","expires_in":3600}`))
		case r.URL.Path == "/v1/projects/liftoff-test/messages:send":
			var body struct {
				Message struct{ Token string } `json:"message"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			sends = append(sends, body.Message.Token)
			auths = append(auths, r.Header.Get("Authorization"))
			if body.Message.Token == "tok-gone" {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"error":{"code":404,"status":"NOT_FOUND","details":[{"errorCode":"UNREGISTERED"}]}}`))
				return
			}
			_, _ = w.Write([]byte(`{"name":"projects/liftoff-test/messages/1"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer google.Close()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "liftoff-test", "private_key_id": "k1", "private_key": string(keyPEM),
		"client_email": "push@liftoff-test.iam.gserviceaccount.com", "token_uri": google.URL + "/token",
	})

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
		{ID: "d-bob", UserID: "bob", Type: devices.GCM, Token: "tok-bob", AppName: "chat.rocket.android", CreatedAt: now, UpdatedAt: now},
		{ID: "d-carol", UserID: "carol", Type: devices.GCM, Token: "tok-gone", AppName: "chat.rocket.android", CreatedAt: now, UpdatedAt: now},
	} {
		if err := db.SaveDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}

	q := jobs.New(db, jobs.Options{PollInterval: 10 * time.Millisecond})
	base := rules.DefaultSettings()
	n := notifier.New(notifier.Deps{Store: db, Devices: db, Queue: q, Rules: &base, FCMEndpoint: google.URL, Settings: settingsMap{
		setting.PushEnable: true, setting.PushEnableGateway: false, setting.PushGoogleAPICredentials: string(creds),
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
		done := len(sends) == 2 && errors.Is(err, devices.ErrNotFound)
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("FCM got %v; carol's device: %v", sends, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if tokenHits != 1 || auths[0] != "Bearer ya29.fake" || auths[1] != "Bearer ya29.fake" || !strings.Contains(strings.Join(sends, ","), "tok-bob") {
		t.Fatalf("token requests %d, auths %v, sends %v", tokenHits, auths, sends)
	}
	if _, err := db.Device(ctx, "d-bob"); err != nil {
		t.Fatalf("bob's device: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
