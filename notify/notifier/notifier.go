// Package notifier turns new messages into notifications. It consumes the
// bus's MessageSaved events, and for each new message enqueues one durable
// job (jobs.Queue) that applies Rocket.Chat's rules (notify/rules) to the
// room's members and enqueues one job per (message, user, channel): mobile
// push, Web Push and e-mail. Mobile and Web Push jobs expand, when they
// run, into one job per device, so that a device's retry does not resend to
// the others; e-mail jobs of one user are sent together, one e-mail per
// batch. Jobs are keyed by message, user and device: an event delivered
// twice, or a fan-out retried after a crash, enqueues nothing new.
//
// Every job lives in the store until done, so a restart loses none; a job
// is sent again only when a crash falls between the provider's acceptance
// and the job's completion (see package jobs). The one window not covered
// is a crash between a message's commit and its fan-out job being stored
// (the bus runs after the commit): that message notifies no one.
package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"liftoff/access/perm"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/notify/devices"
	"liftoff/notify/email"
	"liftoff/notify/push"
	"liftoff/notify/rules"
	"liftoff/notify/webpush"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Job kinds.
const (
	KindMessage = "notify.message" // a new message: apply the rules, enqueue the deliveries
	KindMobile  = "notify.mobile"  // one user's mobile push for a message: one job per device
	KindWebPush = "notify.webpush" // one user's Web Push for a message: one job per browser
	KindDevice  = "notify.device"  // one mobile push to one device
	KindBrowser = "notify.browser" // one Web Push to one browser
	KindEmail   = "notify.email"   // one user's e-mail for a message (batched per user)
)

// Settings reads the server's settings (settings.Registry).
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// Permissions answers global permission checks (chat.Admin.Can).
type Permissions interface {
	Can(u *model.User, p perm.ID) bool
}

// Presence tells whether a user has open connections: "online" (a client
// is active), "away" (all idle) or "offline" (presence.Tracker).
type Presence interface {
	ConnectionStatus(userID string) string
}

// Mail sends e-mails (email.Sender built from the SMTP settings at each
// send, so that a settings change applies at once).
type Mail interface {
	Send(ctx context.Context, m email.Message) error
}

// Deps are what a Notifier works with.
type Deps struct {
	Store       store.Reader
	Devices     devices.Store
	Queue       *jobs.Queue
	Settings    Settings
	Permissions Permissions
	// Push sends mobile pushes (nil: built from the Push_* settings at
	// each send, gateway mode).
	Push func() *push.Sender
	// FCMEndpoint replaces Google's FCM address (tests).
	FCMEndpoint string
	// APNsHost and APNsClient replace Apple's host and the HTTP/2 client
	// (tests).
	APNsHost   string
	APNsClient *http.Client
	// WebPush sends Web Push (nil: Web Push is off).
	WebPush *webpush.Sender
	// Mail sends e-mails (nil: built from the SMTP_* settings at each send).
	Mail func() (Mail, error)
	// Mailer renders notification e-mails.
	Mailer *email.Mailer
	// PreferenceKey signs the one-click links that stop notification
	// e-mails (email.PreferenceToken); nil leaves the link out.
	PreferenceKey []byte
	// Rules are the bases of the rules' settings that are not Rocket.Chat
	// settings (delays, Web Push); rules.DefaultSettings when zero.
	Rules *rules.Settings
	// Presence tells the connection state of users (the presence
	// tracker); without it, and for users it does not know, the stored
	// statusConnection is used.
	Presence Presence
	// Events publishes desktop notifications (the bus); nil sends none.
	Events interface {
		Publish(ctx context.Context, events ...model.Event) error
	}
	Logger *slog.Logger
	Now    func() time.Time
}

// Notifier fans new messages out to notifications.
type Notifier struct {
	d Deps

	// Work handed over by the bus consumer, stored by Run: the bus's
	// goroutine must not wait for a store write (the store's writer may be
	// waiting for the bus).
	presenceSrc atomic.Pointer[Presence]
	// inTx: the store inserts the fan-out jobs of new messages in their
	// transactions (EventJobs); the bus consumer only wakes the queue.
	inTx atomic.Bool

	fcmMu    sync.Mutex
	fcm      *push.FCM // built from fcmCreds
	fcmCreds string
	apns     *push.APNs // built from apnsConf (its bearer token is reused)
	apnsConf string

	mu      sync.Mutex
	pending []jobs.NewJob
	reads   []string // users who read a room
	wake    chan struct{}
}

// New returns a Notifier and registers its job handlers on d.Queue.
func New(d Deps) *Notifier {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rules == nil {
		base := rules.DefaultSettings()
		d.Rules = &base
	}
	n := &Notifier{d: d, wake: make(chan struct{}, 1)}
	d.Queue.Handle(KindMessage, n.fanOut, jobs.KindOptions{})
	d.Queue.Handle(KindMobile, n.expand(devices.APN, devices.GCM), jobs.KindOptions{})
	d.Queue.Handle(KindWebPush, n.expand(devices.Web), jobs.KindOptions{})
	d.Queue.Handle(KindDevice, n.sendDevice, jobs.KindOptions{})
	d.Queue.Handle(KindBrowser, n.sendDevice, jobs.KindOptions{})
	d.Queue.HandleBatch(KindEmail, 50, n.sendEmail, jobs.KindOptions{})
	return n
}

// payload is the input of every job kind.
type payload struct {
	MessageID string       `json:"mid"`
	UserID    string       `json:"uid,omitempty"`
	DeviceID  string       `json:"device,omitempty"`
	Reason    rules.Reason `json:"reason,omitzero"`
}

func encode(p payload) []byte { b, _ := json.Marshal(p); return b }

// OnEvents is the bus consumer (bus.BatchSubscriber): each new message
// becomes one fan-out job, and a subscription that no longer alerts
// (its user read the room) cancels the user's pending notifications, as
// Rocket.Chat clears a user's queue on read. Run stores the work.
func (n *Notifier) OnEvents(events []model.Event) {
	var js []jobs.NewJob
	var reads []string
	for _, e := range events {
		switch v := e.(type) {
		case model.MessageSaved, *model.MessageSaved:
			js = appendMessageEvent(js, v)
		case model.SubscriptionChanged:
			reads = appendRead(reads, &v)
		case *model.SubscriptionChanged:
			reads = appendRead(reads, v)
		}
	}
	if len(js) > 0 && n.inTx.Load() {
		// Already stored with the messages: run them now.
		js = nil
		n.d.Queue.Wake()
	}
	if len(js) == 0 && len(reads) == 0 {
		return
	}
	n.mu.Lock()
	n.pending = append(n.pending, js...)
	n.reads = append(n.reads, reads...)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// EventJobs returns the store's transactional hook (jobs.EventJobs): the
// fan-out job of each new message, inserted in the transaction that
// stores the message, so that a crash right after the commit loses no
// notification. Once the store calls it, the bus consumer no longer
// enqueues those jobs.
func (n *Notifier) EventJobs() jobs.EventJobs {
	n.inTx.Store(true)
	return func(events []model.Event) jobs.Staged {
		var js []jobs.NewJob
		for _, e := range events {
			js = appendMessageEvent(js, e)
		}
		return n.d.Queue.Stage(js...)
	}
}

func appendMessageEvent(js []jobs.NewJob, e model.Event) []jobs.NewJob {
	switch v := e.(type) {
	case model.MessageSaved:
		return appendMessage(js, &v)
	case *model.MessageSaved:
		return appendMessage(js, v)
	}
	return js
}

func appendMessage(js []jobs.NewJob, ev *model.MessageSaved) []jobs.NewJob {
	if !ev.Created || ev.Message == nil || ev.Message.Hidden || !notifies(ev.Message.Type) {
		return js
	}
	return append(js, jobs.NewJob{Kind: KindMessage, Key: "notify:" + ev.Message.ID, Payload: encode(payload{MessageID: ev.Message.ID})})
}

// notifies tells whether messages of a type notify: users' messages,
// encrypted ones and calls. System messages (a user joined, a topic
// changed...) never do: Rocket.Chat stores them without running the
// notification callbacks of sent messages.
func notifies(messageType string) bool {
	return messageType == "" || messageType == "e2e" || messageType == "videoconf"
}

func appendRead(reads []string, ev *model.SubscriptionChanged) []string {
	s := ev.Subscription
	if ev.Action != model.ActionUpdated || s == nil || s.Alert || s.Unread > 0 {
		return reads
	}
	return append(reads, s.User.ID)
}

// Run stores the work OnEvents hands over until ctx ends, then stores
// what is left and returns.
func (n *Notifier) Run(ctx context.Context) {
	for {
		select {
		case <-n.wake:
			n.flush(ctx)
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			n.flush(flushCtx)
			cancel()
			return
		}
	}
}

func (n *Notifier) flush(ctx context.Context) {
	n.mu.Lock()
	js, reads := n.pending, n.reads
	n.pending, n.reads = nil, nil
	n.mu.Unlock()
	for _, uid := range reads {
		if _, err := n.d.Queue.Cancel(ctx, group(uid), KindMobile, KindWebPush, KindEmail, KindDevice, KindBrowser); err != nil {
			n.d.Logger.Warn("notifier: cancel on read", "user", uid, "err", err)
		}
	}
	for len(js) > 0 {
		chunk := js[:min(len(js), 500)]
		js = js[len(chunk):]
		if _, err := n.d.Queue.Enqueue(ctx, chunk...); err != nil {
			n.d.Logger.Error("notifier: enqueue fan-out", "messages", len(chunk), "err", err)
		}
	}
}

// SetPresence gives the notifier the presence tracker, which may be built
// after it.
func (n *Notifier) SetPresence(p Presence) { n.presenceSrc.Store(&p) }

func (n *Notifier) presence() Presence {
	if p := n.presenceSrc.Load(); p != nil {
		return *p
	}
	return n.d.Presence
}

func group(userID string) string { return "user:" + userID }

// rulesSettings reads the rules' settings now.
func (n *Notifier) rulesSettings() rules.Settings {
	base := *n.d.Rules
	base.WebPushEnabled = base.WebPushEnabled && n.d.WebPush != nil
	return rules.SettingsFrom(n.d.Settings, base)
}

// fanOut applies the rules to one message and enqueues its deliveries.
func (n *Notifier) fanOut(ctx context.Context, job jobs.Job) error {
	var p payload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	msg, err := n.d.Store.MessageByID(ctx, p.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted since
	}
	if err != nil {
		return err
	}
	room, err := n.d.Store.RoomByID(ctx, msg.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	in, err := n.input(ctx, msg, room)
	if err != nil {
		return err
	}
	now := n.d.Now()
	in.Now = now
	var js []jobs.NewJob
	var desktop []model.Event
	for _, d := range rules.Compute(in, n.rulesSettings()) {
		var kind string
		switch d.Channel {
		case rules.Mobile:
			kind = KindMobile
		case rules.WebPush:
			kind = KindWebPush
		case rules.Email:
			kind = KindEmail
		case rules.Desktop:
			desktop = append(desktop, n.desktop(d.UserID, msg, room))
			continue
		default:
			continue
		}
		key, p := kind+":"+msg.ID+":"+d.UserID, payload{MessageID: msg.ID, UserID: d.UserID, Reason: d.Reason}
		if kind == KindEmail {
			js = append(js, jobs.NewJob{Kind: kind, Key: key, Group: group(d.UserID), Payload: encode(p), RunAt: now.Add(d.Delay)})
			continue
		}
		// Pushes go straight to one job per device, so that a device's
		// retry does not resend to the others.
		types, deviceKind := []string{devices.APN, devices.GCM}, KindDevice
		if kind == KindWebPush {
			types, deviceKind = []string{devices.Web}, KindBrowser
		}
		ds, err := n.d.Devices.DevicesOfUser(ctx, d.UserID, types...)
		if err != nil {
			return err
		}
		for _, dev := range ds {
			q := p
			q.DeviceID = dev.ID
			js = append(js, jobs.NewJob{Kind: deviceKind, Key: key + ":" + dev.ID, Group: group(d.UserID), Payload: encode(q), RunAt: now.Add(d.Delay)})
		}
	}
	if len(desktop) > 0 && n.d.Events != nil {
		// Best effort, as in Rocket.Chat: a retried fan-out may show
		// one twice, a lost one is not worth a retry.
		if err := n.d.Events.Publish(ctx, desktop...); err != nil {
			n.d.Logger.Warn("notifier: desktop notifications", "message", msg.ID, "err", err)
		}
	}
	if len(js) == 0 {
		return nil
	}
	for len(js) > 0 {
		chunk := js[:min(len(js), 1000)]
		js = js[len(chunk):]
		if _, err := n.d.Queue.Enqueue(ctx, chunk...); err != nil {
			return err
		}
	}
	return nil
}

// desktop is the in-app notification of msg for a user (Rocket.Chat's
// notifyDesktopUser): in direct rooms the sender as title and the message
// as text, elsewhere "#room" and "sender: message".
func (n *Notifier) desktop(userID string, msg *model.Message, room *model.Room) model.DesktopNotification {
	sender := msg.Author.Username
	if n.d.Settings.Bool(setting.UIUseRealName) && msg.Author.Name != "" {
		sender = msg.Author.Name
	}
	body := msg.Msg
	if msg.Type == model.MessageTypeE2E {
		body = encryptedText // ciphertext is never shown
	}
	title, text := "#"+room.Name, sender+": "+body
	if room.Type == "d" {
		title, text = sender, body
	}
	return model.DesktopNotification{
		UserID: userID, Title: title, Text: text,
		MessageID: msg.ID, RoomID: room.ID, RoomType: room.Type, RoomName: room.Name, ThreadID: msg.ThreadID,
		Sender: msg.Author, Msg: body, MessageType: msg.Type,
	}
}

// encryptedText stands for an end-to-end encrypted message's text in
// notifications (Rocket.Chat's Encrypted_message).
const encryptedText = "Encrypted message"

// memberPage is how many subscriptions one read brings.
const memberPage = 1000

// input gathers what the rules need: the room's members with their
// subscription, preferences and presence.
func (n *Notifier) input(ctx context.Context, msg *model.Message, room *model.Room) (rules.Input, error) {
	in := rules.Input{
		Message: rules.Message{ID: msg.ID, Text: msg.Msg, Type: msg.Type, Tmid: msg.ThreadID, Tshow: msg.ShowInRoom,
			TS: msg.SentAt.Time, Edited: !msg.EditedAt.IsZero()},
		Room:   rules.Room{ID: room.ID, Type: room.Type, MemberCount: room.UsersCount},
		Sender: rules.Sender{ID: msg.Author.ID, Username: msg.Author.Username, Name: msg.Author.Name},
	}
	for _, m := range msg.Mentions {
		in.Message.Mentions = append(in.Message.Mentions, rules.Mention{ID: m.ID, Type: m.Type})
	}
	if msg.ThreadID != "" {
		parent, err := n.d.Store.MessageByID(ctx, msg.ThreadID)
		if err == nil {
			in.Thread = &rules.Thread{FirstReply: parent.ThreadCount <= 1, ParentAuthor: parent.Author.ID, Followers: parent.Replies}
		} else if !errors.Is(err, store.ErrNotFound) {
			return in, err
		}
	}
	members := map[string]*model.User{}
	for offset := 0; ; offset += memberPage {
		subs, total, err := n.d.Store.SubscriptionsOfRoom(ctx, room.ID, store.MemberQuery{}, store.Page{Offset: offset, Count: memberPage})
		if err != nil {
			return in, err
		}
		ids := make([]string, len(subs))
		for i, s := range subs {
			ids[i] = s.User.ID
		}
		users, err := n.d.Store.UsersByIDs(ctx, ids)
		if err != nil {
			return in, err
		}
		byID := make(map[string]*model.User, len(users))
		for _, u := range users {
			byID[u.ID] = u
		}
		for _, s := range subs {
			u := byID[s.User.ID]
			if u == nil {
				continue
			}
			members[u.ID] = u
			mb := member(s, u)
			if p := n.presence(); p != nil && mb.Connection == "" {
				mb.Connection = p.ConnectionStatus(u.ID)
			}
			in.Members = append(in.Members, mb)
		}
		if len(subs) < memberPage || offset+len(subs) >= total {
			break
		}
	}
	if n.d.Permissions != nil && room.Type == "d" {
		in.MayViewDirect = func(userID string) bool {
			u := members[userID]
			return u != nil && n.d.Permissions.Can(u, perm.ViewDRoom)
		}
	}
	return in, nil
}

func member(s *model.Subscription, u *model.User) rules.Member {
	m := rules.Member{
		UserID: u.ID, Active: u.Active, Status: u.Status, Connection: u.StatusConnection,
		HasEmail: verifiedEmail(u) != "",
		Desktop:  rules.Pref(s.DesktopNotifications), Mobile: rules.Pref(s.MobilePushNotifications), Email: rules.Pref(s.EmailNotifications),
		DisableNotifications: s.DisableNotifications, MuteGroupMentions: s.MuteGroupMentions,
		Ignored: s.Ignored,
	}
	if u.Settings != nil {
		p := u.Settings.Preferences
		str := func(k string) rules.Pref { v, _ := p[k].(string); return rules.Pref(v) }
		m.Prefs.Desktop, m.Prefs.Push, m.Prefs.EmailMode = str("desktopNotifications"), str("pushNotifications"), str("emailNotificationMode")
		if hs, ok := p["highlights"].([]any); ok {
			for _, h := range hs {
				if s, ok := h.(string); ok && s != "" {
					m.Prefs.Highlights = append(m.Prefs.Highlights, s)
				}
			}
		}
		if b, ok := p["enableMobileRinging"].(bool); ok {
			m.Prefs.EnableMobileRinging = &b
		}
	}
	if len(m.Prefs.Highlights) == 0 {
		m.Prefs.Highlights = s.UserHighlights
	}
	return m
}

// verifiedEmail is the user's first verified address, or "".
func verifiedEmail(u *model.User) string {
	for _, e := range u.Emails {
		if e.Verified {
			return e.Address
		}
	}
	return ""
}

// expand turns one user's push job into one job per device of the types
// (jobs of this kind were enqueued by earlier versions; the fan-out now
// makes the device jobs itself).
func (n *Notifier) expand(types ...string) jobs.Handler {
	return func(ctx context.Context, job jobs.Job) error {
		var p payload
		if err := json.Unmarshal(job.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		ds, err := n.d.Devices.DevicesOfUser(ctx, p.UserID, types...)
		if err != nil {
			return err
		}
		var js []jobs.NewJob
		for _, d := range ds {
			q := p
			q.DeviceID = d.ID
			kind := KindDevice
			if d.Type == devices.Web {
				kind = KindBrowser
			}
			js = append(js, jobs.NewJob{Kind: kind, Key: job.Key + ":" + d.ID, Group: job.Group, Payload: encode(q)})
		}
		if len(js) == 0 {
			return nil
		}
		_, err = n.d.Queue.Enqueue(ctx, js...)
		return err
	}
}

// sendDevice sends one push to one device. A device the provider no
// longer knows is deleted, and the job succeeds.
func (n *Notifier) sendDevice(ctx context.Context, job jobs.Job) error {
	var p payload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	dev, err := n.d.Devices.Device(ctx, p.DeviceID)
	if errors.Is(err, devices.ErrNotFound) {
		return nil // unregistered since
	}
	if err != nil {
		return err
	}
	msg, room, user, err := n.load(ctx, p)
	if err != nil || msg == nil {
		return err
	}
	if dev.Type == devices.Web {
		return n.sendWebPush(ctx, job, dev, msg, room)
	}
	badge, err := n.unreadTotal(ctx, user.ID)
	if err != nil {
		return err
	}
	s := n.d.Settings
	in := push.MessageInput{
		RoomID: room.ID, RoomType: room.Type, RoomName: room.Name, RoomReadOnly: room.ReadOnly, RoomMuted: room.Muted,
		MessageID: msg.ID, MessageType: msg.Type, Tmid: msg.ThreadID,
		SenderID: msg.Author.ID, SenderUsername: msg.Author.Username, SenderName: msg.Author.Name,
		Text: msg.Msg, RecipientID: user.ID, RecipientUsername: user.Username, Badge: badge,
	}
	if msg.Type == model.MessageTypeE2E {
		// The apps decrypt content themselves (the iOS notification
		// extension); the visible text stays neutral.
		in.Text, in.E2EMsg = encryptedText, msg.Msg
		if msg.Content != nil {
			in.E2EContent = msg.Content
		}
	}
	notif := push.Message(in, push.MessageSettings{
		SiteURL: s.String(setting.SiteURL), UniqueID: s.String(setting.UniqueID),
		ShowMessage: s.Bool(setting.PushShowMessage), ShowNames: s.Bool(setting.PushShowUsernameRoom),
		ContentFromApp: s.Bool(setting.PushRequestContentFromServer), UseRealName: s.Bool(setting.UIUseRealName),
	})
	var sender *push.Sender
	if n.d.Push != nil {
		sender = n.d.Push()
	} else {
		sender = n.pushSender()
	}
	err = sender.Send(ctx, push.Token{Kind: dev.Type, Value: dev.Token, AppName: dev.AppName}, notif, push.SendOptions{CollapseID: job.Key})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, push.ErrTokenInvalid):
		n.d.Logger.Info("notifier: removing an unregistered device", "user", user.ID, "device", dev.ID)
		return n.d.Devices.DeleteDevice(ctx, dev.ID)
	case push.RetryAfter(err) > 0:
		return jobs.RetryAfter(err, push.RetryAfter(err))
	case push.Permanent(err):
		return jobs.Permanent(err)
	}
	return err
}

// pushSender builds the transport from the Push_* settings: the gateway
// when Push_enable_gateway is on, else FCM HTTP v1 with the service account
// of Push_google_api_credentials and APNs with the token key of
// Liftoff_Push_apn_key (its id and team id beside it; Push_production picks
// Apple's host). Each is kept while its settings do not change, so that
// its access token is reused. A kind without credentials fails as not
// configured.
func (n *Notifier) pushSender() *push.Sender {
	s := n.d.Settings
	if s.Bool(setting.PushEnableGateway) {
		return &push.Sender{Gateway: push.NewGateway(s.String(setting.PushGateway), s.String(setting.UniqueID))}
	}
	n.fcmMu.Lock()
	defer n.fcmMu.Unlock()
	out := &push.Sender{}
	if creds := s.String(setting.PushGoogleAPICredentials); strings.TrimSpace(creds) != "" {
		if n.fcm == nil || n.fcmCreds != creds {
			f, err := push.NewFCM(context.Background(), []byte(creds))
			if err != nil {
				n.d.Logger.Error("notifier: Push_google_api_credentials", "err", err)
				f = nil
			} else if n.d.FCMEndpoint != "" {
				f.Endpoint = n.d.FCMEndpoint
			}
			n.fcm, n.fcmCreds = f, creds
		}
		out.FCM = n.fcm
	}
	key, keyID, team := s.String(setting.LiftoffPushApnKey), s.String(setting.LiftoffPushApnKeyID), s.String(setting.LiftoffPushApnTeamID)
	if strings.TrimSpace(key) != "" && keyID != "" && team != "" {
		host := push.APNsSandbox
		if s.Bool(setting.PushProduction) {
			host = push.APNsProduction
		}
		if n.d.APNsHost != "" {
			host = n.d.APNsHost
		}
		conf := key + "\x00" + keyID + "\x00" + team + "\x00" + host
		if n.apns == nil || n.apnsConf != conf {
			k, err := push.ParseP8([]byte(key))
			if err != nil {
				n.d.Logger.Error("notifier: Liftoff_Push_apn_key", "err", err)
				n.apns = nil
			} else {
				n.apns = &push.APNs{Host: host, KeyID: keyID, TeamID: team, Key: k, Client: n.d.APNsClient}
			}
			n.apnsConf = conf
		}
		out.APNs = n.apns
	}
	return out
}

func (n *Notifier) sendWebPush(ctx context.Context, job jobs.Job, dev devices.Device, msg *model.Message, room *model.Room) error {
	if n.d.WebPush == nil {
		return nil
	}
	var keys struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	}
	if err := json.Unmarshal([]byte(dev.Keys), &keys); err != nil {
		return jobs.Permanent(fmt.Errorf("notifier: web push keys of %s: %w", dev.ID, err))
	}
	s := n.d.Settings
	text := msg.Msg
	if msg.Type == model.MessageTypeE2E {
		text = encryptedText
	}
	title, body := "#"+room.Name, msg.Author.Username+": "+text
	if room.Type == "d" {
		title, body = msg.Author.Username, text
	}
	if !s.Bool(setting.PushShowUsernameRoom) {
		title, body = s.String(setting.SiteName), text
	}
	if !s.Bool(setting.PushShowMessage) {
		body = "You have a new message"
	}
	link := messageLink(s.String(setting.SiteURL), room, msg.ID)
	b, err := json.Marshal(webpush.Notification{Title: title, Body: body, Tag: room.ID,
		Data: webpush.NotificationData{RoomID: room.ID, MessageID: msg.ID, ThreadID: msg.ThreadID, URL: link}})
	if err != nil {
		return jobs.Permanent(err)
	}
	sub := webpush.Subscription{Endpoint: dev.Token}
	sub.Keys.P256dh, sub.Keys.Auth = keys.P256dh, keys.Auth
	err = n.d.WebPush.Send(ctx, sub, b, webpush.Options{Topic: job.Key})
	var se *webpush.StatusError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webpush.ErrExpired):
		n.d.Logger.Info("notifier: removing an expired Web Push subscription", "user", dev.UserID, "device", dev.ID)
		return n.d.Devices.DeleteDevice(ctx, dev.ID)
	case errors.As(err, &se) && se.RetryAfter > 0:
		return jobs.RetryAfter(err, se.RetryAfter)
	case webpush.Permanent(err):
		return jobs.Permanent(err)
	}
	return err
}

// load reads a job's message, room and user; msg is nil when one of them
// is gone (nothing to send).
func (n *Notifier) load(ctx context.Context, p payload) (*model.Message, *model.Room, *model.User, error) {
	msg, err := n.d.Store.MessageByID(ctx, p.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	room, err := n.d.Store.RoomByID(ctx, msg.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	user, err := n.d.Store.UserByID(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return msg, room, user, nil
}

// unreadTotal is the badge: the user's unread messages in every room.
func (n *Notifier) unreadTotal(ctx context.Context, userID string) (int, error) {
	subs, err := n.d.Store.SubscriptionsOfUser(ctx, userID, store.SubscriptionQuery{})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, s := range subs {
		total += s.Unread
	}
	return total, nil
}

// messageLink opens the message: Site_Url + the room's path + ?msg=id.
func messageLink(site string, room *model.Room, messageID string) string {
	path := "channel/" + url.PathEscape(room.Name)
	switch room.Type {
	case "p":
		path = "group/" + url.PathEscape(room.Name)
	case "d":
		path = "direct/" + url.PathEscape(room.ID)
	}
	return strings.TrimRight(site, "/") + "/" + path + "?msg=" + url.QueryEscape(messageID)
}

// sendEmail sends one e-mail for a batch of one user's e-mail jobs. The
// user must still be away or offline and have a verified address.
func (n *Notifier) sendEmail(ctx context.Context, batch []jobs.Job) error {
	var items []email.NotificationItem
	var user *model.User
	rooms := map[string]bool{}
	s := n.d.Settings
	for _, job := range batch {
		var p payload
		if err := json.Unmarshal(job.Payload, &p); err != nil {
			continue
		}
		msg, room, u, err := n.load(ctx, p)
		if err != nil {
			return err
		}
		if msg == nil {
			continue
		}
		user = u
		rooms[room.ID] = true
		name := room.Name
		if room.DisplayName != "" {
			name = room.DisplayName
		}
		sender := msg.Author.Username
		if s.Bool(setting.UIUseRealName) && msg.Author.Name != "" {
			sender = msg.Author.Name
		}
		items = append(items, email.NotificationItem{
			MessageID: msg.ID, RoomName: name, Direct: room.Type == "d", Sender: sender, Text: msg.Msg,
			Encrypted: msg.Type == "e2e", Mentioned: p.Reason.Mentioned || p.Reason.Direct, Link: messageLink(s.String(setting.SiteURL), room, msg.ID),
		})
	}
	if user == nil || len(items) == 0 {
		return nil
	}
	if user.Status == "online" {
		return nil // back at the keyboard: Rocket.Chat mails only away and offline users
	}
	to := verifiedEmail(user)
	if to == "" {
		return nil
	}
	link := ""
	if n.d.PreferenceKey != nil {
		roomID := "" // several rooms: the user's own preference
		if len(rooms) == 1 {
			for id := range rooms {
				roomID = id
			}
		}
		token := email.PreferenceToken(n.d.PreferenceKey, user.ID, roomID, n.d.Now().Add(preferenceLinkLifetime))
		link = strings.TrimRight(s.String(setting.SiteURL), "/") + EmailPreferencePath + "?token=" + url.QueryEscape(token)
	}
	m, err := n.d.Mailer.Notification(email.Recipient{Name: user.Name, Address: to}, items, link)
	if err != nil {
		return jobs.Permanent(err)
	}
	m.IDSeed = batch[0].Key
	var mail Mail
	if n.d.Mail != nil {
		mail, err = n.d.Mail()
	} else {
		mail, err = n.mailSender()
	}
	if err != nil {
		return jobs.Permanent(err)
	}
	if err := mail.Send(ctx, m); err != nil {
		if errors.Is(err, email.ErrNotConfigured) || email.Permanent(err) {
			return jobs.Permanent(err)
		}
		return err
	}
	return nil
}

// EmailPreferencePath is where the one-click link of notification e-mails
// leads (notifyapi serves it).
const EmailPreferencePath = "/unsubscribe/email"

// preferenceLinkLifetime is how long a one-click link works.
const preferenceLinkLifetime = 30 * 24 * time.Hour

// mailSender builds the SMTP sender from the settings.
func (n *Notifier) mailSender() (Mail, error) {
	cfg, err := email.ConfigFromSettings(EmailSettings(n.d.Settings))
	if err != nil {
		return nil, err
	}
	return email.NewSender(cfg), nil
}

// EmailSettings gives package email, which names its settings (the
// templates among them) by string, the server's settings.
func EmailSettings(s Settings) email.SettingsReader { return valueReader{s} }

type valueReader struct{ s Settings }

// Value implements email.SettingsReader: strings and booleans by id.
func (v valueReader) Value(id string) any {
	if r, ok := v.s.(interface{ Value(setting.ID) any }); ok {
		return r.Value(setting.ID(id))
	}
	return v.s.String(setting.ID(id))
}
