package email_test

import (
	"strings"
	"testing"
	"time"

	"liftoff/notify/email"
)

func TestReplace(t *testing.T) {
	m := email.NewMailer(siteSettings())
	cases := []struct{ tpl, want string }{
		{"[Site_Name] at [Site_URL]", "Liftoff Test at https://chat.example.org"},
		{"[site_name] / __Site_Name__ / [SITE_URL_SLASH]", "Liftoff Test / Liftoff Test / https://chat.example.org/"},
		{"Hi [name] ([fname] [lname]) <[email]>", "Hi Alice Pleasance Liddell (Alice Liddell) <alice@example.org>"},
		{"{Welcome_to Site_Name}", "Welcome to Liftoff Test"},
		{"{Unknown_Phrase}", "Unknown_Phrase"},
		{"[unknown] stays", "[unknown] stays"},
	}
	data := map[string]string{"name": "Alice Pleasance Liddell", "email": "alice@example.org"}
	for _, c := range cases {
		if got := m.Replace(c.tpl, data); got != c.want {
			t.Errorf("Replace(%q) = %q, want %q", c.tpl, got, c.want)
		}
	}
}

func TestWrapEscapesValues(t *testing.T) {
	s := siteSettings()
	s["Email_Header"] = "<header>[Site_Name]</header>"
	s["Email_Footer"] = "<footer/>"
	m := email.NewMailer(s)
	got := m.Wrap(`<p>[name]</p><a href="[room_path]">go</a>`, map[string]string{"name": "<script>", "room_path": "https://x/y?a=1&b=2"})
	want := `<header>Liftoff Test</header><p>&lt;script&gt;</p><a href="https://x/y?a=1&b=2">go</a><footer/>`
	if got != want {
		t.Fatalf("Wrap =\n%s\nwant\n%s", got, want)
	}
}

func TestAccountTemplatesFromSettings(t *testing.T) {
	s := siteSettings()
	s["Verification_Email_Subject"] = "Confirm [email] for [Site_Name]"
	s["Verification_Email"] = `<p>Hello [fname], <a href="[Verification_Url]">confirm</a></p>`
	m := email.NewMailer(s)
	msg, err := m.Account(email.Verification, email.Recipient{Name: "Alice Liddell", Address: "alice@example.org"},
		map[string]string{"Verification_Url": "https://chat.example.org/verify-email/t1"})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "Confirm alice@example.org for Liftoff Test" || msg.To != "Alice Liddell <alice@example.org>" || msg.From != "Liftoff <noreply@example.org>" {
		t.Fatalf("message %+v", msg)
	}
	if !strings.Contains(msg.HTML, `<p>Hello Alice, <a href="https://chat.example.org/verify-email/t1">confirm</a></p>`) {
		t.Fatalf("HTML %s", msg.HTML)
	}
	if msg.Text != "Hello Alice, confirm (https://chat.example.org/verify-email/t1)" {
		t.Fatalf("text %q", msg.Text)
	}
	s["email_plain_text_only"] = true
	msg, _ = email.NewMailer(s).Account(email.Welcome, email.Recipient{Address: "bob@example.org"}, nil)
	if msg.HTML != "" || msg.Subject != "Welcome to Liftoff Test" || !strings.Contains(msg.Text, "Go to https://chat.example.org and try") {
		t.Fatalf("plain-text welcome: %+v", msg)
	}
	if _, err := m.Account(email.Welcome, email.Recipient{}, nil); err == nil {
		t.Fatal("an account e-mail without a recipient was rendered")
	}
}

func TestNotificationSubjectsAndPrivacy(t *testing.T) {
	s := siteSettings()
	m := email.NewMailer(s)
	dm, _ := m.Notification(email.Recipient{Name: "Bob", Address: "bob@example.org"},
		[]email.NotificationItem{{RoomName: "alice", Direct: true, Sender: "alice", Text: "secret plans"}}, "")
	if dm.Subject != "[Liftoff Test] You have been direct messaged by alice" || dm.From != "alice <noreply@example.org>" ||
		!strings.Contains(dm.Text, "alice sent you a message:\n\nsecret plans") || dm.Headers != nil {
		t.Fatalf("DM e-mail %+v", dm)
	}
	all, _ := m.Notification(email.Recipient{Address: "bob@example.org"},
		[]email.NotificationItem{{RoomName: "general", Sender: "a@b", Text: "hi"}}, "https://p")
	if all.Subject != "a@b has posted a message in #general" || all.From != "a%40b <noreply@example.org>" ||
		all.Headers["List-Unsubscribe"] != "<https://p>" || all.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Fatalf("group e-mail %+v", all)
	}
	s["Email_notification_show_message"] = false
	hidden, _ := email.NewMailer(s).Notification(email.Recipient{Address: "bob@example.org"},
		[]email.NotificationItem{{RoomName: "alice", Direct: true, Sender: "alice", Text: "secret plans"}}, "")
	if strings.Contains(hidden.HTML, "secret") || strings.Contains(hidden.Text, "secret") {
		t.Fatalf("content shown with Email_notification_show_message off: %s", hidden.Text)
	}
	if _, err := m.Notification(email.Recipient{Address: "x@example.org"}, nil, ""); err == nil {
		t.Fatal("a notification without messages was rendered")
	}
}

func TestPreferenceToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_800_000_000, 0)
	tok := email.PreferenceToken(key, "u1", "r1", now.Add(time.Hour))
	u, r, err := email.ParsePreferenceToken(key, tok, now)
	if err != nil || u != "u1" || r != "r1" {
		t.Fatalf("parse = %q %q %v", u, r, err)
	}
	if _, _, err := email.ParsePreferenceToken(key, tok, now.Add(2*time.Hour)); err != email.ErrBadToken {
		t.Fatalf("expired token: %v", err)
	}
	if _, _, err := email.ParsePreferenceToken([]byte("another key of thirty-two bytes!"), tok, now); err != email.ErrBadToken {
		t.Fatalf("token under another key: %v", err)
	}
	forged := strings.Replace(tok, tok[:4], "AAAA", 1)
	if _, _, err := email.ParsePreferenceToken(key, forged, now); err != email.ErrBadToken {
		t.Fatalf("forged token: %v", err)
	}
}
