package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"liftoff/api"
	"liftoff/bus"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/notify/email"
	"liftoff/notify/notifier"
	"liftoff/notify/notifyapi"
	"liftoff/notify/prefs"
	"liftoff/notify/rules"
	"liftoff/notify/webpush"
	"liftoff/settings/setting"
)

// startNotifications builds the job queue and the notifier, subscribes the
// notifier to the bus, starts the queue's workers and declares the
// notification endpoints on the REST router.
func (a *App) startNotifications(rt *api.Router, reg prometheus.Registerer) error {
	log := a.log.With("component", "notify")
	q := jobs.New(a.store, jobs.Options{Logger: log, Registerer: reg, Now: a.opts.Clock.Now})
	base := rules.DefaultSettings()
	web, err := a.webPushSender()
	if err != nil {
		return err
	}
	base.WebPushEnabled = web != nil
	n := notifier.New(notifier.Deps{
		Store: a.store, Devices: a.store, Queue: q, Settings: a.settings, Permissions: a.chat.Admin,
		WebPush: web, Mailer: email.NewMailer(notifier.EmailSettings(a.settings)), Rules: &base,
		Logger: log, Now: a.opts.Clock.Now,
	})
	var unsubscribe func()
	if bs, ok := a.bus.(bus.BatchSubscriber); ok {
		unsubscribe = bs.SubscribeBatch("notifier", n.OnEvents)
	} else {
		unsubscribe = a.bus.Subscribe("notifier", func(ev model.Event) { n.OnEvents([]model.Event{ev}) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		if err := q.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("job queue stopped", "err", err)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		n.Run(ctx)
	}()
	a.closers = append(a.closers, func() {
		unsubscribe()
		cancel()
		<-done
		<-done
	})

	notifyapi.PreferenceRoutes(rt, prefs.New(a.store, a.chat.Admin, a.opts.Clock.Now))
	notifyapi.PushRoutes(rt, n)
	return nil
}

// webPushSender returns the Web Push sender with this installation's VAPID
// keys, made on first start and kept in the data directory
// (webpush-vapid.json, readable by the server only).
func (a *App) webPushSender() (*webpush.Sender, error) {
	path := filepath.Join(a.cfg.DataDir, "webpush-vapid.json")
	var keys webpush.Keys
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &keys); err != nil {
			return nil, fmt.Errorf("web push keys %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if keys, err = webpush.GenerateKeys(); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(keys)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("web push keys: %w", err)
		}
	default:
		return nil, fmt.Errorf("web push keys: %w", err)
	}
	subscriber := a.settings.String(setting.SiteURL)
	if !strings.HasPrefix(subscriber, "https://") {
		subscriber = "liftoff@" + hostOf(subscriber)
	}
	return webpush.NewSender(keys, subscriber, nil)
}

// hostOf is the host of a URL ("localhost" when it has none).
func hostOf(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
	if i := strings.IndexAny(u, ":/"); i >= 0 {
		u = u[:i]
	}
	if u == "" {
		return "localhost"
	}
	return u
}
