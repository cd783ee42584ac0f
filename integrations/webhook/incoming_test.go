package webhook

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseBody(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    string // the payload as JSON, or "error: ..." text
	}{
		{"json", "application/json", `{"text":"hi","n":1.50}`, `{"n":1.50,"text":"hi"}`},
		{"json with charset", "application/json; charset=utf-8", `{"text":"hi"}`, `{"text":"hi"}`},
		{"json array", "application/json", `[{"text":"hi"}]`, `{}`},
		{"json empty body", "application/json", ``, `{}`},
		{"json broken", "application/json", `{"text":`, "error"},
		{"json trailing", "application/json", `{"a":1} x`, "error"},
		{"slack form", "application/x-www-form-urlencoded", `payload=%7B%22text%22%3A%22from+slack%22%7D`, `{"text":"from slack"}`},
		{"curl -d json", "application/x-www-form-urlencoded", `{"text":"plain curl"}`, `{"text":"plain curl"}`},
		{"form payload broken", "application/x-www-form-urlencoded", `payload=%7Bnope`, "error"},
		{"form single key not json", "application/x-www-form-urlencoded", `text=hello`, "error"},
		{"form fields", "application/x-www-form-urlencoded", `text=hello&alias=bot`, `{"alias":"bot","text":"hello"}`},
		{"text/plain", "text/plain", `{"text":"ignored"}`, `{}`},
		{"no content type", "", `{"text":"ignored"}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBody(tt.contentType, []byte(tt.body))
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func payload(t *testing.T, s string) map[string]any {
	t.Helper()
	p, err := ParseBody("application/json", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildDraft(t *testing.T) {
	defaults := Defaults{Channels: []string{"#general", "@ana"}, Alias: "Hook", Avatar: "", Emoji: ":robot:"}
	tests := []struct {
		name    string
		payload string
		check   func(t *testing.T, d *Draft)
	}{
		{"plain text", `{"text":"  hello  "}`, func(t *testing.T, d *Draft) {
			want := &Draft{Channels: []string{"#general", "@ana"}, Msg: "hello", Alias: "Hook", Emoji: ":robot:", ParseURLs: true, Bot: map[string]any{"i": "int1"}}
			if !reflect.DeepEqual(d, want) {
				t.Fatalf("got %+v\nwant %+v", d, want)
			}
		}},
		{"text wins over msg", `{"text":"a","msg":"b"}`, func(t *testing.T, d *Draft) { eq(t, d.Msg, "a") }},
		{"msg when no text", `{"text":"","msg":"b"}`, func(t *testing.T, d *Draft) { eq(t, d.Msg, "b") }},
		{"number text", `{"text":42}`, func(t *testing.T, d *Draft) { eq(t, d.Msg, "42") }},
		{"nothing", `{}`, func(t *testing.T, d *Draft) { eq(t, d.Msg, "") }},
		{"slack username and icon_url", `{"text":"x","username":"CI","alias":"no","icon_url":"https://ci.example.org/i.png","avatar":"https://no"}`, func(t *testing.T, d *Draft) {
			eq(t, d.Alias, "CI")
			eq(t, d.Avatar, "https://ci.example.org/i.png")
			eq(t, d.Emoji, "")
			if !d.NeedsImpersonation() {
				t.Fatal("an alias needs message-impersonate")
			}
		}},
		{"avatar beats emoji", `{"avatar":"https://a.example/x.png","icon_emoji":":ghost:"}`, func(t *testing.T, d *Draft) {
			eq(t, d.Avatar, "https://a.example/x.png")
			eq(t, d.Emoji, "")
		}},
		{"slack icon_emoji", `{"icon_emoji":":ghost:","emoji":":no:"}`, func(t *testing.T, d *Draft) { eq(t, d.Emoji, ":ghost:") }},
		{"emoji", `{"emoji":":tada:"}`, func(t *testing.T, d *Draft) { eq(t, d.Emoji, ":tada:") }},
		{"relative avatar", `{"avatar":"/avatar/bot"}`, func(t *testing.T, d *Draft) { eq(t, d.Avatar, "/avatar/bot") }},
		{"channel override", `{"channel":"#ops"}`, func(t *testing.T, d *Draft) { eqs(t, d.Channels, "#ops") }},
		{"channel list deduplicated", `{"channel":["#ops","@bob","#ops","GENERALID"]}`, func(t *testing.T, d *Draft) { eqs(t, d.Channels, "#ops", "@bob", "GENERALID") }},
		{"roomId", `{"roomId":"ROOM1"}`, func(t *testing.T, d *Draft) { eqs(t, d.Channels, "ROOM1") }},
		{"channel beats roomId", `{"channel":"@bob","roomId":"ROOM1"}`, func(t *testing.T, d *Draft) { eqs(t, d.Channels, "@bob") }},
		{"empty channel falls back", `{"channel":""}`, func(t *testing.T, d *Draft) { eqs(t, d.Channels, "#general", "@ana") }},
		{"attachments", `{"text":"t","attachments":[{"title":"Build","title_link":"https://ci.example.org/1","text":"ok","color":"#00ff00","fields":[{"title":"Branch","value":"main","short":true}],"image_url":"https://ci.example.org/i.png","thumb_url":"https://ci.example.org/t.png","author_name":"CI","author_link":"https://ci.example.org","author_icon":"https://ci.example.org/a.png","ts":"2026-11-20T10:00:00Z","collapsed":false,"custom_thing":{"kept":true}},{"msg":"  from msg  "}]}`, func(t *testing.T, d *Draft) {
			if d.ParseURLs {
				t.Fatal("attachments turn URL parsing off")
			}
			if len(d.Attachments) != 2 || d.Attachments[0]["title"] != "Build" || d.Attachments[0]["custom_thing"] == nil {
				t.Fatalf("attachments %v", d.Attachments)
			}
			if d.Attachments[1]["text"] != "from msg" || d.Attachments[1]["msg"] != nil {
				t.Fatalf("msg → text: %v", d.Attachments[1])
			}
		}},
		{"attachments not a list are ignored", `{"text":"t","attachments":{"title":"x"}}`, func(t *testing.T, d *Draft) {
			if d.Attachments != nil || !d.ParseURLs {
				t.Fatalf("%+v", d)
			}
		}},
		{"parseUrls explicit", `{"attachments":[],"parseUrls":true}`, func(t *testing.T, d *Draft) {
			if !d.ParseURLs {
				t.Fatal("parseUrls:true ignored")
			}
		}},
		{"empty attachment list", `{"attachments":[]}`, func(t *testing.T, d *Draft) {
			if d.ParseURLs {
				t.Fatal("an attachment list, even empty, turns URL parsing off")
			}
		}},
		{"thread, groupable, custom fields, separate response", `{"text":"r","tmid":"MSG1","groupable":true,"customFields":{"k":"v"},"separateResponse":true}`, func(t *testing.T, d *Draft) {
			eq(t, d.Tmid, "MSG1")
			if !d.Groupable || d.CustomFields["k"] != "v" || !d.SeparateResponse {
				t.Fatalf("%+v", d)
			}
		}},
		{"payload's bot is replaced", `{"bot":{"i":"forged"}}`, func(t *testing.T, d *Draft) {
			if d.Bot["i"] != "int1" {
				t.Fatalf("bot %v", d.Bot)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := BuildDraft(payload(t, tt.payload), defaults, "int1")
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, d)
		})
	}

	// Integration avatar, when the payload has neither avatar nor emoji.
	d, _ := BuildDraft(map[string]any{}, Defaults{Avatar: "https://x.example/a.png", Emoji: ":e:"}, "i")
	if d.Avatar != "https://x.example/a.png" || d.Emoji != "" {
		t.Fatalf("defaults: %+v", d)
	}

	refused := map[string]string{
		`{"alias":5}`:                      "Expected string, got number in field alias",
		`{"tmid":["x"]}`:                   "Expected string, got array in field tmid",
		`{"avatar":"javascript:alert(1)"}`: "Invalid href value provided",
		`{"attachments":[{"title_link":"javascript:x"}]}`: "Invalid href value provided",
		`{"attachments":["just text"]}`:                   "Expected object",
	}
	for p, want := range refused {
		if _, err := BuildDraft(payload(t, p), defaults, "i"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", p, err, want)
		}
	}
}

func TestValidateAttachments(t *testing.T) {
	ok := []string{
		`{"title":"t","title_link":"https://x.example","image_url":"data:image/png;base64,AAAA","ts":1700000000,"image_size":12,"title_link_download":true}`,
		`{"title_link":"/file-upload/abc/file.pdf"}`,
		`{"fields":[{"title":"a","value":1},{"title":"b","value":true,"short":false}]}`,
		`{"actions":[{"type":"button","text":"Open","url":"https://x.example","msg_in_chat_window":true}]}`,
		`{"color":null,"unknown":{"anything":[1,2]}}`,
	}
	for _, s := range ok {
		if err := ValidateAttachments([]map[string]any{payload(t, s)}); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	bad := map[string]string{
		`{"color":1}`:                                          "Expected string, got number in field attachments.0.color",
		`{"collapsed":"yes"}`:                                  "Expected boolean",
		`{"image_url":"ftp://x.example/a.png"}`:                "Invalid href value provided",
		`{"author_link":"javascript:alert(1)"}`:                "Invalid href value provided",
		`{"thumb_url":"relative/path.png"}`:                    "Invalid href value provided",
		`{"fields":[{"title":"a"}]}`:                           "title and value is required",
		`{"fields":[{"title":"","value":"v"}]}`:                "title and value is required",
		`{"fields":[{"title":"a","value":{"x":1}}]}`:           "Expected string or number or boolean",
		`{"actions":[{"type":"button","url":"javascript:x"}]}`: "Invalid href value provided",
		`{"fields":"nope"}`:                                    "Expected array",
		`{"image_dimensions":"1x1"}`:                           "Expected object",
	}
	for s, want := range bad {
		if err := ValidateAttachments([]map[string]any{payload(t, s)}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", s, err, want)
		}
	}
}

func TestCheckChannelOverride(t *testing.T) {
	if err := CheckChannelOverride(payload(t, `{"channel":"#x"}`), false); err != ErrOverrideDisabled || err.Error() != "overriding destination channel is disabled for this integration" {
		t.Fatalf("channel: %v", err)
	}
	if err := CheckChannelOverride(payload(t, `{"roomId":"R"}`), false); err != ErrOverrideDisabled {
		t.Fatalf("roomId: %v", err)
	}
	for _, p := range []string{`{"text":"x"}`, `{"channel":""}`} {
		if err := CheckChannelOverride(payload(t, p), false); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if err := CheckChannelOverride(payload(t, `{"channel":"#x"}`), true); err != nil {
		t.Fatalf("allowed: %v", err)
	}
}

func eq(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func eqs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
