package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"liftoff/settings/setting"
)

var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// member returns an active member with a verified e-mail and the given
// connection state (which is also their status).
func member(id, conn string) Member {
	status := conn
	return Member{UserID: id, Active: true, Status: status, Connection: conn, HasEmail: true}
}

// room of type t with the sender and the members, sending text.
func input(t string, text string, members ...Member) Input {
	all := append([]Member{member("s", "online")}, members...)
	return Input{
		Message: Message{ID: "m1", Text: text, TS: now},
		Room:    Room{ID: "r1", Type: t},
		Sender:  Sender{ID: "s", Username: "sender"},
		Members: all,
		Now:     now,
	}
}

func mention(ids ...string) []Mention {
	var ms []Mention
	for _, id := range ids {
		ms = append(ms, Mention{ID: id, Type: "user"})
	}
	return ms
}

// render lists deliveries as "user:channel" with "+delay" when delayed.
func render(ds []Delivery) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		s := d.UserID + ":" + string(d.Channel)
		if d.Delay > 0 {
			s += "+" + d.Delay.String()
		}
		out = append(out, s)
	}
	return out
}

func TestCompute(t *testing.T) {
	type tc struct {
		name string
		in   Input
		set  func(*Settings)
		want []string
	}
	onlineDelay := "+2m0s"
	cases := []tc{
		{
			name: "plain channel message with the default preferences",
			in:   input("c", "hello", member("on", "online"), member("away", "away"), member("off", "offline")),
			// Desktop needs a connection; push waits 2 min for a connected
			// user; e-mail (default "mentions") is for mentions only.
			want: []string{"on:desktop", "on:mobile" + onlineDelay, "away:desktop", "away:mobile", "off:mobile"},
		},
		{
			name: "a mention e-mails an offline user after the e-mail window",
			in: func() Input {
				in := input("c", "@off look", member("on", "online"), member("off", "offline"))
				in.Message.Mentions = mention("off")
				return in
			}(),
			want: []string{"on:desktop", "on:mobile" + onlineDelay, "off:mobile", "off:email+2m0s"},
		},
		{
			name: "a connected user gets no e-mail even when mentioned",
			in: func() Input {
				in := input("c", "@on @away", member("on", "online"), member("away", "away"))
				in.Message.Mentions = mention("on", "away")
				return in
			}(),
			want: []string{"on:desktop", "on:mobile" + onlineDelay, "away:desktop", "away:mobile", "away:email+2m0s"},
		},
		{
			name: "direct message to an offline user",
			in:   input("d", "hi", member("off", "offline")),
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "direct message, recipient without view-d-room",
			in: func() Input {
				in := input("d", "hi", member("off", "offline"))
				in.MayViewDirect = func(id string) bool { return id != "off" }
				return in
			}(),
			want: nil,
		},
		{
			name: "@all reaches offline users by e-mail, @here does not",
			in: func() Input {
				in := input("c", "@all @here", member("off", "offline"))
				in.Message.Mentions = []Mention{{ID: "all"}}
				return in
			}(),
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "@here alone: no e-mail",
			in: func() Input {
				in := input("c", "@here", member("off", "offline"))
				in.Message.Mentions = []Mention{{ID: "here"}}
				return in
			}(),
			want: []string{"off:mobile"},
		},
		{
			name: "@here with push default mentions: no push (only @all counts for mobile)",
			in: func() Input {
				in := input("c", "@here", member("off", "offline"), member("on", "online"))
				in.Message.Mentions = []Mention{{ID: "here"}}
				return in
			}(),
			set:  func(s *Settings) { s.DefaultPush = Mentions; s.DefaultDesktop = Mentions },
			want: []string{"on:desktop"},
		},
		{
			name: "@all with push default mentions",
			in: func() Input {
				in := input("c", "@all", member("off", "offline"))
				in.Message.Mentions = []Mention{{ID: "all"}}
				return in
			}(),
			set:  func(s *Settings) { s.DefaultPush = Mentions },
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "the sender is never notified, even when they mention themselves",
			in: func() Input {
				in := input("d", "@sender", member("off", "offline"))
				in.Message.Mentions = mention("s")
				in.Members[0].Connection = "offline"
				return in
			}(),
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "inactive users, disabled notifications and ignored senders get nothing",
			in: func() Input {
				inactive, disabled, ignoring := member("inactive", "offline"), member("disabled", "offline"), member("ignoring", "offline")
				inactive.Active = false
				disabled.DisableNotifications = true
				ignoring.Ignored = []string{"s"}
				in := input("c", "@inactive @disabled @ignoring", inactive, disabled, ignoring)
				in.Message.Mentions = mention("inactive", "disabled", "ignoring")
				return in
			}(),
			want: nil,
		},
		{
			name: "muted group mentions: @all is silent unless also named",
			in: func() Input {
				muted, named := member("muted", "offline"), member("named", "offline")
				muted.MuteGroupMentions, named.MuteGroupMentions = true, true
				in := input("c", "@all @named", muted, named)
				in.Message.Mentions = append([]Mention{{ID: "all"}}, mention("named")...)
				return in
			}(),
			want: []string{"named:mobile", "named:email+2m0s"},
		},
		{
			name: "room preference nothing beats user preference all",
			in: func() Input {
				m := member("on", "online")
				m.Desktop = Nothing
				m.Prefs.Desktop = All
				return input("c", "hi", m)
			}(),
			want: []string{"on:mobile" + onlineDelay},
		},
		{
			name: "room preference default falls back to the user's",
			in: func() Input {
				m := member("on", "online")
				m.Desktop = Default
				m.Prefs.Desktop = Nothing
				m.Mobile = Default
				m.Prefs.Push = Nothing
				return input("c", "hi", m)
			}(),
			want: nil,
		},
		{
			name: "user preference beats the server default",
			in: func() Input {
				m := member("off", "offline")
				m.Prefs.EmailMode = Nothing
				in := input("c", "@off", m)
				in.Message.Mentions = mention("off")
				return in
			}(),
			want: []string{"off:mobile"},
		},
		{
			name: "old e-mail values: disabled means nothing",
			in: func() Input {
				m := member("off", "offline")
				m.Prefs.EmailMode = "disabled"
				in := input("d", "hi", m)
				return in
			}(),
			want: []string{"off:mobile"},
		},
		{
			name: "room e-mail preference all: every message by e-mail",
			in: func() Input {
				m := member("off", "offline")
				m.Email = All
				return input("c", "hi", m)
			}(),
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "all three room preferences at mentions: a plain message selects nothing",
			in: func() Input {
				m := member("on", "online")
				m.Desktop, m.Mobile, m.Email = Mentions, Mentions, Mentions
				return input("c", "hi", m)
			}(),
			want: nil,
		},
		{
			name: "room preferences at mentions still hear @all",
			in: func() Input {
				m := member("away", "away")
				m.Desktop, m.Mobile, m.Email = Mentions, Mentions, Mentions
				in := input("c", "@all", m)
				in.Message.Mentions = []Mention{{ID: "all"}}
				return in
			}(),
			want: []string{"away:desktop", "away:mobile", "away:email+2m0s"},
		},
		{
			name: "server default desktop nothing silences desktop even for mentions",
			in: func() Input {
				in := input("c", "@on", member("on", "online"))
				in.Message.Mentions = mention("on")
				return in
			}(),
			set:  func(s *Settings) { s.DefaultDesktop = Nothing },
			want: []string{"on:mobile" + onlineDelay},
		},
		{
			name: "busy users get no desktop notification",
			in: func() Input {
				m := member("busy", "online")
				m.Status = "busy"
				return input("c", "hi", m)
			}(),
			want: []string{"busy:mobile" + onlineDelay},
		},
		{
			name: "highlighted word notifies like a mention",
			in: func() Input {
				m := member("off", "offline")
				m.Prefs.Highlights = []string{"deploy"}
				return input("c", "Deploy is done", m)
			}(),
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "highlight inside a word or an emoji does not count",
			in: func() Input {
				m := member("off", "offline")
				m.Prefs.Highlights = []string{"deploy", "ship"}
				return input("c", "redeploy :ship:", m)
			}(),
			want: []string{"off:mobile"},
		},
		{
			name: "thread reply: followers notified, others not",
			in: func() Input {
				in := input("c", "reply", member("follower", "offline"), member("other", "online"))
				in.Message.Tmid = "parent"
				in.Thread = &Thread{ParentAuthor: "follower", Followers: []string{"follower", "s"}}
				return in
			}(),
			want: []string{"follower:mobile", "follower:email+2m0s"},
		},
		{
			name: "thread reply also sent to the channel reaches the room",
			in: func() Input {
				in := input("c", "reply", member("follower", "offline"), member("other", "online"))
				in.Message.Tmid, in.Message.Tshow = "parent", true
				in.Thread = &Thread{Followers: []string{"follower"}}
				return in
			}(),
			want: []string{"follower:mobile", "follower:email+2m0s", "other:desktop", "other:mobile" + onlineDelay},
		},
		{
			name: "first reply notifies the parent's author",
			in: func() Input {
				in := input("c", "reply", member("author", "away"), member("stale", "offline"))
				in.Message.Tmid = "parent"
				in.Thread = &Thread{FirstReply: true, ParentAuthor: "author", Followers: []string{"stale"}}
				return in
			}(),
			want: []string{"author:desktop", "author:mobile", "author:email+2m0s"},
		},
		{
			name: "first reply in a direct room notifies its members",
			in: func() Input {
				in := input("d", "reply", member("peer", "offline"))
				in.Message.Tmid = "parent"
				in.Thread = &Thread{FirstReply: true, ParentAuthor: "s"}
				return in
			}(),
			want: []string{"peer:mobile", "peer:email+2m0s"},
		},
		{
			name: "mention in a thread notifies the mentioned user",
			in: func() Input {
				in := input("c", "@off see", member("off", "offline"))
				in.Message.Tmid = "parent"
				in.Message.Mentions = mention("off")
				in.Thread = &Thread{Followers: []string{"s"}}
				return in
			}(),
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "threads disabled: replies notify no one",
			in: func() Input {
				in := input("c", "reply", member("follower", "offline"))
				in.Message.Tmid = "parent"
				in.Thread = &Thread{Followers: []string{"follower"}}
				return in
			}(),
			set:  func(s *Settings) { s.ThreadsEnabled = false },
			want: nil,
		},
		{
			name: "edited and old messages notify no one",
			in: func() Input {
				in := input("d", "hi", member("off", "offline"))
				in.Message.TS = now.Add(-2 * time.Minute)
				return in
			}(),
			want: nil,
		},
		{
			name: "large room: plain messages notify no one but a room's own all",
			in: func() Input {
				own, inherited := member("own", "online"), member("inherited", "online")
				own.Desktop = All
				inherited.Prefs.Desktop = All
				return input("c", "hi", own, inherited, member("plain", "online"))
			}(),
			set:  func(s *Settings) { s.MaxRoomMembers = 3 },
			want: []string{"own:desktop"},
		},
		{
			name: "large room: mentions, highlights and @all",
			in: func() Input {
				hl := member("hl", "offline")
				hl.Prefs.Highlights = []string{"urgent"}
				in := input("c", "@named urgent @all", member("named", "offline"), hl, member("plain", "offline"))
				in.Message.Mentions = append([]Mention{{ID: "all"}}, mention("named")...)
				return in
			}(),
			set: func(s *Settings) { s.MaxRoomMembers = 3 },
			// @all notifies no one in a large room; named and highlighted
			// users are notified.
			want: []string{"named:mobile", "named:email+2m0s", "hl:mobile", "hl:email+2m0s"},
		},
		{
			name: "a limit of 0 means no limit",
			in:   input("c", "hi", member("a", "away"), member("b", "away"), member("c", "away")),
			set:  func(s *Settings) { s.MaxRoomMembers = 0 },
			want: []string{"a:desktop", "a:mobile", "b:desktop", "b:mobile", "c:desktop", "c:mobile"},
		},
		{
			name: "push and e-mail disabled on the server",
			in: func() Input {
				in := input("d", "hi", member("off", "offline"))
				return in
			}(),
			set:  func(s *Settings) { s.PushEnabled = false; s.EmailEnabled = false },
			want: nil,
		},
		{
			name: "notifications disabled for troubleshooting",
			in:   input("d", "hi", member("on", "online")),
			set:  func(s *Settings) { s.Disabled = true },
			want: nil,
		},
		{
			name: "negative online delay: connected users get no queued notification",
			in:   input("c", "hi", member("on", "online"), member("off", "offline")),
			set:  func(s *Settings) { s.DelayOnline = -1 },
			want: []string{"on:desktop", "off:mobile"},
		},
		{
			name: "web push follows the desktop preference, for offline users too",
			in: func() Input {
				quiet := member("quiet", "offline")
				quiet.Desktop = Nothing
				return input("c", "hi", member("on", "online"), member("off", "offline"), quiet)
			}(),
			set: func(s *Settings) { s.WebPushEnabled = true },
			want: []string{"on:desktop", "on:mobile" + onlineDelay, "on:webpush" + onlineDelay,
				"off:mobile", "off:webpush", "quiet:mobile"},
		},
		{
			name: "a call ringing a direct room gets no push for its message",
			in: func() Input {
				in := input("d", "", member("off", "offline"))
				in.Message.Type = "videoconf"
				return in
			}(),
			set:  func(s *Settings) { s.VideoConfMobileRinging = true },
			want: []string{"off:email+2m0s"},
		},
		{
			name: "a user who turned ringing off gets the push",
			in: func() Input {
				m := member("off", "offline")
				off := false
				m.Prefs.EnableMobileRinging = &off
				in := input("d", "", m)
				in.Message.Type = "videoconf"
				return in
			}(),
			set:  func(s *Settings) { s.VideoConfMobileRinging = true },
			want: []string{"off:mobile", "off:email+2m0s"},
		},
		{
			name: "team mention notifies the team's members",
			in: func() Input {
				in := input("c", "@devs", member("dev", "offline"), member("other", "offline"))
				in.Message.Mentions = []Mention{{ID: "team1", Type: "team"}}
				in.TeamMentionMembers = []string{"dev", "s"}
				return in
			}(),
			want: []string{"dev:mobile", "dev:email+2m0s", "other:mobile"},
		},
		{
			name: "no verified e-mail: no e-mail",
			in: func() Input {
				m := member("off", "offline")
				m.HasEmail = false
				return input("d", "hi", m)
			}(),
			want: []string{"off:mobile"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := DefaultSettings()
			if c.set != nil {
				c.set(&s)
			}
			got := render(Compute(c.in, s))
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Fatalf("deliveries\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestReasons(t *testing.T) {
	in := input("c", "@named @all urgent", member("named", "offline"), member("hl", "offline"), member("all", "offline"))
	in.Message.Mentions = append([]Mention{{ID: "all"}}, mention("named")...)
	in.Members[2].Prefs.Highlights = []string{"URGENT"}
	got := map[string]Reason{}
	for _, d := range Compute(in, DefaultSettings()) {
		got[d.UserID] = d.Reason
	}
	want := map[string]Reason{
		"named": {Mentioned: true, GroupMention: true},
		"hl":    {GroupMention: true, Highlighted: true},
		"all":   {GroupMention: true},
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: reason %+v, want %+v", id, got[id], w)
		}
	}
}

func TestHighlight(t *testing.T) {
	cases := []struct {
		msg   string
		words []string
		want  bool
	}{
		{"regular message", nil, false},
		{"highlighted regular message", []string{"highlighted"}, true},
		{"highlighted regular message", []string{"message"}, true},
		{"highlighted regular message", []string{"light"}, false},
		{"highlighted regular message", []string{"high", "ssage", "regular"}, true},
		{"highlighted regular message", []string{"ReGuLaR"}, true},
		{"highlighted :thumbsup: message", []string{"thumbsup"}, false},
		{"highlighted :thumbsup message", []string{"thumbsup"}, true},
		{"highlighted thumbsup: message", []string{"thumbsup"}, true},
		{"highlighted regular Привет", []string{"привет"}, true},
		{"Привет highlighted", []string{"Привет"}, true},
		{"snake_case word", []string{"snake"}, false},
		{"c++ rocks", []string{"c++"}, true},
		{"message", []string{""}, false},
		{"ß and straße", []string{"STRASSE"}, false}, // simple folding only, like JavaScript's /iu
	}
	for _, c := range cases {
		if got := containsHighlight(c.msg, c.words); got != c.want {
			t.Errorf("containsHighlight(%q, %q) = %v, want %v", c.msg, c.words, got, c.want)
		}
	}
}

type fakeSettings map[string]any

func (f fakeSettings) Bool(id setting.ID) bool     { b, _ := f[string(id)].(bool); return b }
func (f fakeSettings) Int(id setting.ID) int       { i, _ := f[string(id)].(int); return i }
func (f fakeSettings) String(id setting.ID) string { s, _ := f[string(id)].(string); return s }

func TestSettingsFrom(t *testing.T) {
	base := DefaultSettings()
	base.WebPushEnabled = true
	got := SettingsFrom(fakeSettings{
		"Troubleshoot_Disable_Notifications":                      true,
		"Notifications_Max_Room_Members":                          250,
		"Accounts_Default_User_Preferences_desktopNotifications":  "mentions",
		"Accounts_Default_User_Preferences_pushNotifications":     "nothing",
		"Accounts_Default_User_Preferences_emailNotificationMode": "all",
		"Push_enable":                      true,
		"Accounts_AllowEmailNotifications": true,
		"Threads_enabled":                  true,
		"VideoConf_Mobile_Ringing":         true,
		"Accounts_Default_User_Preferences_enableMobileRinging": false,
	}, base)
	want := base
	want.Disabled, want.MaxRoomMembers = true, 250
	want.DefaultDesktop, want.DefaultPush, want.DefaultEmailMode = Mentions, Nothing, Mentions
	want.PushEnabled, want.EmailEnabled, want.ThreadsEnabled = true, true, true
	want.VideoConfMobileRinging, want.DefaultMobileRinging = true, false
	if got != want {
		t.Fatalf("SettingsFrom =\n%+v\nwant\n%+v", got, want)
	}
}

// BenchmarkComputeAll is the rule cost of an @all in a 10,000-member room.
func BenchmarkComputeAll(b *testing.B) {
	in := bigRoom(10_000)
	s := DefaultSettings()
	s.MaxRoomMembers = 0
	b.ReportAllocs()
	for b.Loop() {
		if n := len(Compute(in, s)); n == 0 {
			b.Fatal("no deliveries")
		}
	}
}

func bigRoom(n int) Input {
	members := make([]Member, n)
	conns := []string{"online", "away", "offline", "offline"}
	for i := range members {
		members[i] = member(fmt.Sprintf("u%05d", i), conns[i%len(conns)])
		if i%10 == 0 {
			members[i].Prefs.Highlights = []string{"deploy", "incident"}
		}
	}
	in := input("c", "@all please read "+strings.Repeat("x", 200), members...)
	in.Message.Mentions = []Mention{{ID: "all"}}
	return in
}
