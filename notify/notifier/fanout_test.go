package notifier_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
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

// settingsMap is a settings reader over a map.
type settingsMap map[setting.ID]any

func (m settingsMap) Bool(id setting.ID) bool     { b, _ := m[id].(bool); return b }
func (m settingsMap) Int(id setting.ID) int       { i, _ := m[id].(int); return i }
func (m settingsMap) String(id setting.ID) string { s, _ := m[id].(string); return s }

// TestFanOutLargeRoom measures the notifier on an @all message in a room
// of LIFTOFF_FANOUT_MEMBERS members (default 1,000; docs/performance.md
// gives 10,000), every member offline with one Android device: the
// fan-out job (reading the members and their devices, the rules,
// enqueueing one job per device) and the drain of those to a push gateway
// over HTTP. It checks that every member gets
// exactly one push.
func TestFanOutLargeRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of work")
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("LIFTOFF_FANOUT_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "liftoff.db"), nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	now := time.Now()
	room := &model.Room{ID: "BIG", Type: "c", Name: "big", UsersCount: n + 1, CreatedAt: model.TimeOf(now), UpdatedAt: model.TimeOf(now)}
	sender := &model.User{ID: "sender", Username: "alice", Active: true, Status: "online", Type: "user", Roles: []string{"user"}}
	users := []*model.User{sender}
	for i := range n {
		id := fmt.Sprintf("u%06d", i)
		users = append(users, &model.User{ID: id, Username: id, Active: true, Status: "offline", Type: "user", Roles: []string{"user"}})
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRoom(ctx, room); err != nil {
			return err
		}
		for _, u := range users {
			if err := tx.InsertUser(ctx, u); err != nil {
				return err
			}
			if err := tx.InsertSubscription(ctx, &model.Subscription{ID: "s" + u.ID, RoomID: room.ID, User: u.Ref(), RoomType: "c",
				Name: room.Name, Open: true, JoinedAt: model.TimeOf(now), UpdatedAt: model.TimeOf(now)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, u := range users[1:] {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := db.SaveDevice(ctx, devices.Device{ID: "d" + u.ID, UserID: u.ID, Type: devices.GCM, Token: "tok-" + u.ID,
				AppName: "chat.rocket.android", CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	msg := &model.Message{ID: "m1", RoomID: room.ID, Msg: "@all the deploy is done", SentAt: model.TimeOf(now), UpdatedAt: model.TimeOf(now),
		Author: sender.Ref(), Mentions: []model.Mention{{ID: "all", Username: "all"}}}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertMessage(ctx, msg) }); err != nil {
		t.Fatal(err)
	}

	var received atomic.Int64
	var mu sync.Mutex
	seen := map[string]int{}
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Token string }
		_ = jsonDecode(r, &body)
		mu.Lock()
		seen[body.Token]++
		mu.Unlock()
		received.Add(1)
	}))
	defer gw.Close()

	q := jobs.New(db, jobs.Options{Workers: 16, PollInterval: 10 * time.Millisecond})
	base := rules.DefaultSettings()
	nt := notifier.New(notifier.Deps{Store: db, Devices: db, Queue: q, Rules: &base, Settings: settingsMap{
		setting.PushEnable: true, setting.PushEnableGateway: true, setting.PushGateway: gw.URL, setting.ThreadsEnabled: true,
		setting.PushShowMessage: true, setting.PushShowUsernameRoom: true, setting.SiteURL: "http://chat.example.org",
		setting.AccountsDefaultUserPreferencesPushNotifications: "all", setting.AccountsDefaultUserPreferencesDesktopNotifications: "all",
		setting.AccountsDefaultUserPreferencesEmailNotificationMode: "mentions",
	}})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	count := func(kind, state string) int {
		cs, err := db.CountJobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Kind == kind && c.State == state {
				return c.N
			}
		}
		return 0
	}
	wait := func(what string, cond func() bool) time.Duration {
		start := time.Now()
		for !cond() {
			if time.Since(start) > 10*time.Minute {
				t.Fatalf("timeout waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	start := time.Now()
	nt.OnEvents([]model.Event{model.MessageSaved{Message: msg, RoomType: "c", RoomName: room.Name, Created: true}})
	go nt.Run(runCtx)
	fan := wait("fan-out", func() bool { return count(notifier.KindMessage, jobs.StateDone) == 1 })
	drain := wait("pushes", func() bool { return received.Load() >= int64(n) && count(notifier.KindDevice, jobs.StateDone) == n })
	t.Logf("members %d: fan-out (read members and devices, rules, enqueue %d device jobs) %v; drain to the gateway %v; total %v",
		n, n, fan.Round(time.Millisecond), drain.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Fatalf("%d devices got a push, want %d", len(seen), n)
	}
	for tok, c := range seen {
		if c != 1 {
			t.Fatalf("%s got %d pushes", tok, c)
		}
	}
}

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
