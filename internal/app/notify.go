package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"liftoff/auth/twofactor"
	"os"
	"path/filepath"
	"strings"

	"liftoff/api"
	"liftoff/bus"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/notify/account"
	"liftoff/notify/email"
	"liftoff/notify/notifier"
	"liftoff/notify/notifyapi"
	"liftoff/notify/prefs"
	"liftoff/notify/rules"
	"liftoff/notify/webpush"
	"liftoff/settings/setting"
)

// startNotifications builds the notifier on the shared job queue
// (a.jobs), subscribes it to the bus and declares the notification
// endpoints on the REST router.
func (a *App) startNotifications(rt *api.Router) error {
	log := a.log.With("component", "notify")
	q := a.jobs
	base := rules.DefaultSettings()
	web, err := a.webPushSender()
	if err != nil {
		return err
	}
	base.WebPushEnabled = web != nil
	secret, err := a.secretFile("account-secret", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return err
	}
	n := notifier.New(notifier.Deps{
		Store: a.store, Devices: a.store, Queue: q, Settings: a.settings, Permissions: a.chat.Admin,
		WebPush: web, Mailer: email.NewMailer(notifier.EmailSettings(a.settings)), Rules: &base,
		PreferenceKey: secret, Events: a.bus, Logger: log, Now: a.opts.Clock.Now,
	})
	// New messages' fan-out jobs are stored in the messages' own
	// transactions (both stores implement it).
	if st, ok := a.store.(interface{ SetEventJobs(jobs.EventJobs) }); ok {
		st.SetEventJobs(n.EventJobs())
		a.closers = append(a.closers, func() { st.SetEventJobs(nil) })
	}
	var unsubscribe func()
	if bs, ok := a.bus.(bus.BatchSubscriber); ok {
		unsubscribe = bs.SubscribeBatch("notifier", n.OnEvents)
	} else {
		unsubscribe = a.bus.Subscribe("notifier", func(ev model.Event) { n.OnEvents([]model.Event{ev}) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	a.closers = append(a.closers, func() {
		unsubscribe()
		cancel()
		<-done
	})

	mailer := email.NewMailer(notifier.EmailSettings(a.settings))
	a.account = account.New(account.Deps{
		Store: a.store, Auth: a.auth, Queue: q, Settings: a.settings, Mailer: mailer, Secret: secret, Now: a.opts.Clock.Now,
		Mail: func() (account.Mail, error) {
			cfg, err := email.ConfigFromSettings(notifier.EmailSettings(a.settings))
			if err != nil {
				return nil, err
			}
			return email.NewSender(cfg), nil
		},
	})

	a.second.SetSender(twoFactorMail{a.account})

	a.prefs, a.notifier = prefs.New(a.store, a.chat.Admin, a.opts.Clock.Now), n
	notifyapi.PreferenceRoutes(rt, a.prefs)
	notifyapi.PushRoutes(rt, n)
	notifyapi.AccountRoutes(rt, a.account)
	api.PolicyResetRoute(rt, a.account.ResetTokenValid)
	notifyapi.EmailPreferenceRoutes(rt, a.prefs, secret, a.opts.Clock.Now)
	return nil
}

// secretFile returns the contents of a secret kept in the data directory
// (readable by the server only), made by gen on first use.
func (a *App) secretFile(name string, gen func() ([]byte, error)) ([]byte, error) {
	path := filepath.Join(a.cfg.DataDir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if b, err = gen(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// webPushSender returns the Web Push sender with this installation's VAPID
// keys, made on first start and kept in the data directory
// (webpush-vapid.json, readable by the server only).
func (a *App) webPushSender() (*webpush.Sender, error) {
	b, err := a.secretFile("webpush-vapid.json", func() ([]byte, error) {
		keys, err := webpush.GenerateKeys()
		if err != nil {
			return nil, err
		}
		return json.Marshal(keys)
	})
	if err != nil {
		return nil, err
	}
	var keys webpush.Keys
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("webpush-vapid.json: %w", err)
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

// twoFactorMail sends two-factor e-mail codes with the account mailer.
type twoFactorMail struct{ acc *account.Service }

func (m twoFactorMail) SendCode(ctx context.Context, to []string, code string, u twofactor.User) error {
	return m.acc.SendTwoFactorCode(ctx, to, u.Username, code)
}
