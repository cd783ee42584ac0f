package matrix

import (
	"testing"

	"maunium.net/go/mautrix/event"
)

func TestFromMatrix(t *testing.T) {
	for _, tc := range []struct {
		c    event.MessageEventContent
		want string
	}{
		{event.MessageEventContent{MsgType: event.MsgText, Body: "plain"}, "plain"},
		{event.MessageEventContent{MsgType: event.MsgText, Body: "x", Format: event.FormatHTML,
			FormattedBody: "hi <em>alice</em><script>alert(1)</script><style>b{}</style>"}, "hi _alice_"},
		{event.MessageEventContent{MsgType: event.MsgText, Body: "x", Format: event.FormatHTML,
			FormattedBody: "<strong>bold</strong> <a href=\"https://example.com\">link</a>"}, "**bold** [link](https://example.com)"},
		{event.MessageEventContent{MsgType: event.MsgText, Body: "x", Format: event.FormatHTML,
			FormattedBody: "<mx-reply><blockquote>quoted</blockquote></mx-reply>answer"}, "answer"},
		{event.MessageEventContent{MsgType: event.MsgEmote, Body: "waves"}, "_waves_"},
	} {
		if got := fromMatrix(&tc.c); got != tc.want {
			t.Errorf("fromMatrix(%q) = %q, want %q", tc.c.FormattedBody+tc.c.Body, got, tc.want)
		}
	}
}

func TestToMatrix(t *testing.T) {
	c := toMatrix("hello **bob** <b>raw</b>")
	if c.Body != "hello **bob** <b>raw</b>" || c.Format != event.FormatHTML {
		t.Fatalf("content: %+v", c)
	}
	if want := "hello <strong>bob</strong> &lt;b&gt;raw&lt;/b&gt;"; c.FormattedBody != want {
		t.Errorf("formatted_body = %q, want %q", c.FormattedBody, want)
	}
}

func TestReactions(t *testing.T) {
	for name, key := range map[string]string{":thumbsup:": "👍", ":tada:": "🎉", ":u1f9a9:": "🦩"} {
		if got := reactionKey(name); got != key {
			t.Errorf("reactionKey(%s) = %q, want %q", name, got, key)
		}
		if got := reactionName(key); name != ":thumbsup:" && got != name {
			t.Errorf("reactionName(%q) = %q, want %s", key, got, name)
		}
	}
	if got := reactionName("👍"); got != ":thumbsup:" {
		t.Errorf("reactionName(👍) = %q", got)
	}
}

func TestConfig(t *testing.T) {
	c := Config{ID: "liftoff", ASToken: "a", HSToken: "h", HomeserverURL: "http://hs:8008", Domain: "example.org",
		BridgeURL: "http://liftoff:3000", BotLocalpart: "liftoff.bot", PuppetPrefix: "liftoff_"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if p := c.Puppet("Alice.B"); p != "@liftoff__alice._b:example.org" {
		t.Errorf("puppet = %s", p)
	}
	if !c.IsOurs("@liftoff_x:example.org") || !c.IsOurs("@liftoff.bot:example.org") || c.IsOurs("@bob:example.org") || c.IsOurs("@liftoff_x:other.org") {
		t.Error("IsOurs")
	}
	if n := c.PuppetUsername(c.Puppet("Alice.B")); n != "Alice.B" {
		t.Errorf("PuppetUsername = %q", n)
	}
	bad := c
	bad.HSToken = "a"
	if bad.Validate() == nil {
		t.Error("equal tokens accepted")
	}
	y, err := c.Registration().YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"as_token: a", "hs_token: h", "sender_localpart: liftoff.bot", "url: http://liftoff:3000", `'@liftoff_.*:example\.org'`} {
		if !contains(y, want) {
			t.Errorf("registration lacks %q:\n%s", want, y)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
