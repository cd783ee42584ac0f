package email_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/internal/peer"
	"liftoff/jobs"
	"liftoff/notify/email"
	"liftoff/store/sqlite"
)

// settings is a settings reader over a map.
type settings map[string]any

func (s settings) Value(id string) any { return s[id] }

func siteSettings() settings {
	return settings{"Site_Name": "Liftoff Test", "Site_Url": "https://chat.example.org", "From_Email": "Liftoff <noreply@example.org>"}
}

func plainConfig(port int) email.Config {
	return email.Config{Host: "127.0.0.1", Port: port, IgnoreTLS: true, From: "Liftoff <noreply@example.org>"}
}

func TestSendHTMLAndText(t *testing.T) {
	mp := startMailpit(t, mailpitOptions{})
	s := email.NewSender(plainConfig(mp.smtpPort))
	msg := email.Message{
		To:      "Alice Liddell <alice@example.org>",
		ReplyTo: "bob@example.org",
		Subject: "Über tea",
		HTML:    "<p>Hello <b>Alice</b></p>",
		Text:    "Hello Alice",
		Headers: map[string]string{"X-Liftoff-Test": "1"},
		IDSeed:  "job-key-1",
	}
	if err := s.Send(ctx(t), msg); err != nil {
		t.Fatal(err)
	}
	got := mp.waitMessages(t, 1)[0]
	full := mp.message(t, got.ID)
	if got.Subject != "Über tea" || got.From.Address != "noreply@example.org" || got.From.Name != "Liftoff" ||
		len(got.To) != 1 || got.To[0].Address != "alice@example.org" || got.To[0].Name != "Alice Liddell" {
		t.Fatalf("received %+v", got)
	}
	if !strings.Contains(full.HTML, "<b>Alice</b>") || strings.TrimSpace(full.Text) != "Hello Alice" {
		t.Fatalf("bodies: html %q text %q", full.HTML, full.Text)
	}
	firstID := got.MessageID

	// The same seed (a retried job) gives the same Message-ID.
	mp.reset(t)
	if err := s.Send(ctx(t), msg); err != nil {
		t.Fatal(err)
	}
	again := mp.waitMessages(t, 1)
	if len(again) != 1 || again[0].MessageID != firstID || firstID == "" {
		t.Fatalf("Message-IDs %q then %q; want equal, not empty", firstID, again[0].MessageID)
	}
	// Text is made from the HTML when not given.
	mp.reset(t)
	msg.Text, msg.IDSeed = "", ""
	msg.HTML = `<p>See <a href="https://chat.example.org/x">the room</a></p><style>p{}</style>`
	if err := s.Send(ctx(t), msg); err != nil {
		t.Fatal(err)
	}
	full = mp.message(t, mp.waitMessages(t, 1)[0].ID)
	if strings.TrimSpace(full.Text) != "See the room (https://chat.example.org/x)" {
		t.Fatalf("text made from HTML: %q", full.Text)
	}
}

func TestSendAuth(t *testing.T) {
	mp := startMailpit(t, mailpitOptions{user: "liftoff", pass: "s3cret pass"})
	cfg := plainConfig(mp.smtpPort)
	cfg.Username, cfg.Password = "liftoff", "wrong"
	err := email.NewSender(cfg).Send(ctx(t), email.Message{To: "a@example.org", Subject: "x", Text: "x"})
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	cfg.Password = "s3cret pass"
	if err := email.NewSender(cfg).Send(ctx(t), email.Message{To: "a@example.org", Subject: "authed", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if ms := mp.waitMessages(t, 1); len(ms) != 1 || ms[0].Subject != "authed" {
		t.Fatalf("received %+v", ms)
	}
}

func TestSendSTARTTLS(t *testing.T) {
	cert := selfSigned(t)
	mp := startMailpit(t, mailpitOptions{user: "liftoff", pass: "pw", tls: cert, starttls: true})
	cfg := plainConfig(mp.smtpPort)
	cfg.Username, cfg.Password = "liftoff", "pw"
	// SMTP_IgnoreTLS on: the server requires STARTTLS and refuses.
	if err := email.NewSender(cfg).Send(ctx(t), email.Message{To: "a@example.org", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("sent without STARTTLS to a server that requires it")
	}
	cfg.IgnoreTLS, cfg.RequireTLS, cfg.TLS = false, true, tlsConfig(cert)
	if err := email.NewSender(cfg).Send(ctx(t), email.Message{To: "a@example.org", Subject: "over starttls", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if ms := mp.waitMessages(t, 1); ms[0].Subject != "over starttls" {
		t.Fatalf("received %+v", ms)
	}
	// An untrusted certificate is refused.
	cfg.TLS = nil
	if err := email.NewSender(cfg).Send(ctx(t), email.Message{To: "a@example.org", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("STARTTLS accepted an untrusted certificate")
	}
}

func TestSendImplicitTLS(t *testing.T) {
	cert := selfSigned(t)
	mp := startMailpit(t, mailpitOptions{tls: cert, requireTLS: true})
	cfg := plainConfig(mp.smtpPort)
	cfg.ImplicitTLS, cfg.IgnoreTLS, cfg.TLS = true, false, tlsConfig(cert)
	if err := email.NewSender(cfg).Send(ctx(t), email.Message{To: "a@example.org", Subject: "smtps", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if ms := mp.waitMessages(t, 1); ms[0].Subject != "smtps" {
		t.Fatalf("received %+v", ms)
	}
}

func TestConfigFromSettings(t *testing.T) {
	c, err := email.ConfigFromSettings(settings{
		"SMTP_Protocol": "smtps", "SMTP_Host": " mail.example.org ", "SMTP_Port": "2465",
		"SMTP_Username": "u", "SMTP_Password": " p ", "From_Email": "a@example.org",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "mail.example.org" || c.Port != 2465 || !c.ImplicitTLS || !c.IgnoreTLS || c.Username != "u" || c.Password != " p " || c.From != "a@example.org" {
		t.Fatalf("config %+v", c)
	}
	if _, err := email.ConfigFromSettings(settings{"SMTP_Port": "smtp"}); err == nil {
		t.Fatal("a bad port was accepted")
	}
	if err := email.NewSender(email.Config{}).Send(ctx(t), email.Message{To: "a@example.org"}); !errors.Is(err, email.ErrNotConfigured) {
		t.Fatalf("send without a host: %v", err)
	}
}

func TestAccountEmailThroughSMTP(t *testing.T) {
	mp := startMailpit(t, mailpitOptions{})
	m := email.NewMailer(siteSettings())
	msg, err := m.Account(email.ForgotPassword, email.Recipient{Name: "Alice Liddell", Address: "alice@example.org"},
		map[string]string{"Forgot_Password_Url": "https://chat.example.org/reset-password/tok?x=1&y=2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := email.NewSender(plainConfig(mp.smtpPort)).Send(ctx(t), msg); err != nil {
		t.Fatal(err)
	}
	got := mp.message(t, mp.waitMessages(t, 1)[0].ID)
	if got.Subject != "Liftoff Test - Password Recovery" {
		t.Fatalf("subject %q", got.Subject)
	}
	if !strings.Contains(got.HTML, `href="https://chat.example.org/reset-password/tok?x=1&amp;y=2"`) ||
		!strings.Contains(got.HTML, "<title>Liftoff Test</title>") || !strings.Contains(got.HTML, "Forgot your password?") {
		t.Fatalf("HTML %s", got.HTML)
	}
	if !strings.Contains(got.Text, "Reset (https://chat.example.org/reset-password/tok?x=1&y=2)") || strings.Contains(got.Text, "<") {
		t.Fatalf("text %q", got.Text)
	}
}

// notificationJob is the payload of the test's notification e-mail jobs.
type notificationJob struct {
	To   email.Recipient
	Item email.NotificationItem
}

// mailHandler sends one e-mail per batch of notification jobs.
func mailHandler(m *email.Mailer, s *email.Sender) jobs.BatchHandler {
	return func(ctx context.Context, batch []jobs.Job) error {
		var to email.Recipient
		var items []email.NotificationItem
		for _, j := range batch {
			var p notificationJob
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			to = p.To
			items = append(items, p.Item)
		}
		msg, err := m.Notification(to, items, "https://chat.example.org/email-preferences?t=abc")
		if err != nil {
			return jobs.Permanent(err)
		}
		msg.IDSeed = batch[0].Key
		if err := s.Send(ctx, msg); err != nil {
			if email.Permanent(err) {
				return jobs.Permanent(err)
			}
			return err
		}
		return nil
	}
}

func newQueue(t *testing.T) (*jobs.Queue, *sqlite.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "liftoff.db"), nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q := jobs.New(db, jobs.Options{PollInterval: 20 * time.Millisecond, Backoff: jobs.Backoff{Base: 50 * time.Millisecond, Max: 200 * time.Millisecond}})
	return q, db
}

func runQueue(t *testing.T, q *jobs.Queue) {
	c, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); q.Run(c) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func notificationJobs(user string, n int, runAt time.Time) []jobs.NewJob {
	var js []jobs.NewJob
	for i := range n {
		p, _ := json.Marshal(notificationJob{
			To: email.Recipient{Name: "Bob", Address: user + "@example.org"},
			Item: email.NotificationItem{MessageID: fmt.Sprintf("m%d", i), RoomName: "general", Sender: "alice",
				Text: fmt.Sprintf("message number %d <b>", i), Mentioned: i == 0,
				Link: fmt.Sprintf("https://chat.example.org/channel/general?msg=m%d", i)},
		})
		js = append(js, jobs.NewJob{Kind: "notify.email", Key: fmt.Sprintf("email:%s:m%d", user, i), Group: "user:" + user, Payload: p, RunAt: runAt})
	}
	return js
}

func TestNotificationBatchedThroughQueue(t *testing.T) {
	mp := startMailpit(t, mailpitOptions{})
	q, _ := newQueue(t)
	q.HandleBatch("notify.email", 50, mailHandler(email.NewMailer(siteSettings()), email.NewSender(plainConfig(mp.smtpPort))), jobs.KindOptions{})
	// Five messages for bob within his window, one for carol.
	window := time.Now().Add(300 * time.Millisecond)
	if _, err := q.Enqueue(ctx(t), append(notificationJobs("bob", 5, window), notificationJobs("carol", 1, window)...)...); err != nil {
		t.Fatal(err)
	}
	runQueue(t, q)
	ms := mp.waitMessages(t, 2)
	byTo := map[string]mpMessage{}
	for _, s := range ms {
		byTo[s.To[0].Address] = mp.message(t, s.ID)
	}
	bob, carol := byTo["bob@example.org"], byTo["carol@example.org"]
	if bob.Subject != "[Liftoff Test] You have 5 new messages" || bob.From.Address != "noreply@example.org" {
		t.Fatalf("bob's e-mail: %+v", bob.mpSummary)
	}
	for i := range 5 {
		if !strings.Contains(bob.HTML, fmt.Sprintf("message number %d &lt;b&gt;", i)) ||
			!strings.Contains(bob.Text, fmt.Sprintf("message number %d <b>", i)) ||
			!strings.Contains(bob.HTML, fmt.Sprintf(`href="https://chat.example.org/channel/general?msg=m%d"`, i)) {
			t.Fatalf("bob's e-mail lacks message %d:\n%s\n%s", i, bob.HTML, bob.Text)
		}
	}
	if !strings.Contains(bob.HTML, "email-preferences?t=abc") {
		t.Fatal("no preference link")
	}
	// One message: Rocket.Chat's subject for a mention, from the sender's name.
	if carol.Subject != "[Liftoff Test] You have been mentioned by alice in #general" || carol.From.Name != "alice" {
		t.Fatalf("carol's e-mail: %+v", carol.mpSummary)
	}
	if n := len(mp.messages(t)); n != 2 {
		t.Fatalf("%d e-mails, want 2", n)
	}
}

// TestSMTPDownThenUp: the SMTP server is down when the job first runs; the
// job is retried and the e-mail goes out once the server is back, once.
func TestSMTPDownThenUp(t *testing.T) {
	port := peer.FreePort(t)
	q, db := newQueue(t)
	q.HandleBatch("notify.email", 50, mailHandler(email.NewMailer(siteSettings()), email.NewSender(plainConfig(port))), jobs.KindOptions{MaxAttempts: 1000})
	if _, err := q.Enqueue(ctx(t), notificationJobs("dave", 1, time.Time{})...); err != nil {
		t.Fatal(err)
	}
	runQueue(t, q)
	waitJob(t, db, "email:dave:m0", func(j *jobs.Job) bool { return j.State == jobs.StatePending && j.Attempts >= 2 && j.LastError != "" })
	mp := startMailpit(t, mailpitOptions{smtpPort: port})
	waitJob(t, db, "email:dave:m0", func(j *jobs.Job) bool { return j.State == jobs.StateDone })
	if ms := mp.waitMessages(t, 1); len(ms) != 1 || ms[0].To[0].Address != "dave@example.org" {
		t.Fatalf("received %+v", ms)
	}
	// The job is recorded done: it never runs again.
	if n := len(mp.messages(t)); n != 1 {
		t.Fatalf("%d e-mails after recovery, want 1", n)
	}
}

func waitJob(t *testing.T, db *sqlite.DB, key string, cond func(*jobs.Job) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := db.JobByKey(context.Background(), key)
		if err == nil && cond(j) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v, %v", key, j, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
