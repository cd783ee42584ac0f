package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"liftoff/model"
)

// encodingJSON is what writeJSON wrote before appendJSON: encoding/json
// without HTML escaping, without the final newline.
func encodingJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func checkAppendJSON(t testing.TB, v any) {
	t.Helper()
	want := encodingJSON(t, v)
	got, err := appendJSON(nil, v)
	if err != nil {
		t.Fatalf("appendJSON: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appendJSON\n got %s\nwant %s", got, want)
	}
}

func testMessages() []*model.Message {
	ts := model.TimeOf(time.Date(2026, 11, 25, 21, 19, 9, 397_000_000, time.UTC))
	later := model.TimeOf(ts.Add(90 * time.Second))
	yes, no := true, false
	u := model.UserRef{ID: "u1", Username: "alice", Name: "Alice A."}
	return []*model.Message{
		{ID: "m1", RoomID: "r1", Msg: "hello", SentAt: ts, Author: u, UpdatedAt: ts,
			Mentions: []model.Mention{}, Channels: []model.ChannelRef{}},
		{ID: "m2", RoomID: "r1", Msg: "héllo 👋 \"q\" back\\slash\nline\ttab\r\b\f\x00\x1f\x7f <b>&amp;</b> \u2028\u2029 bad\xff\xfe utf8",
			SentAt: ts, Author: model.UserRef{ID: "u2", Username: "bob"}, UpdatedAt: later,
			Mentions: []model.Mention{{ID: "u1", Username: "alice", Name: "Alice", Type: "user"}, {ID: "here", Username: "here"}},
			Channels: []model.ChannelRef{{ID: "r2", Name: "general"}}, ThreadID: "m1", ShowInRoom: true},
		{ID: "m3", Type: "uj"},
		{ID: "m4", RoomID: "r1", Msg: "all of it", SentAt: ts, Author: u, UpdatedAt: later, Type: "discussion-created", ThreadID: "m0", ShowInRoom: true, Alias: "bot", Emoji: ":smile:",
			Avatar: "https://example.com/a.png?x=1&y=<2>", Groupable: &no,
			Mentions: []model.Mention{}, Channels: []model.ChannelRef{},
			Attachments: []map[string]any{{"title": "<t>", "fields": []any{map[string]any{"short": true, "n": 1.5}}}},
			File:        &model.FileRef{ID: "f1", Name: "a <b>.png", Type: "image/png", Size: 10, Format: "png", TypeGroup: "image"},
			Files:       []model.FileRef{{ID: "f1", Name: "a.png", Type: "image/png", Size: 10}, {ID: "f2", Name: "thumb-a.png", TypeGroup: "thumb"}},
			Reactions:   map[string]*model.Reaction{":+1:": {Usernames: []string{"alice", "bob"}, Names: []string{"A", "B"}}, ":a:": {}},
			Pinned:      true, PinnedAt: later, PinnedBy: &model.UserRef{ID: "u2", Username: "bob"},
			Starred:  []model.Starrer{{ID: "u1"}},
			EditedAt: later, EditedBy: &u, ThreadCount: 42, ThreadLastMessageAt: later, Replies: []string{"u1", "u2"},
			DiscussionID: "d1", DiscussionCount: 2, DiscussionLastMessageAt: later, Parent: "p1", Role: "owner", Hidden: true, Unread: true, ParseURLs: true,
			URLs:         []map[string]any{{"url": "https://example.com"}},
			CustomFields: map[string]any{"k": "v", "n": nil}, Bot: map[string]any{"i": "integration1"},
			E2E: "done", Content: &model.EncryptedContent{Algorithm: "rc.v2.aes-sha2", KeyID: "k1", IV: "aXY=", Ciphertext: "Y2lwaGVy"}},
		{ID: "m5", Groupable: &yes, ThreadCount: -3, Replies: []string{}, Attachments: []map[string]any{},
			Reactions: map[string]*model.Reaction{}, Starred: []model.Starrer{}},
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	msgs := testMessages()
	for _, m := range msgs {
		checkAppendJSON(t, m)
	}
	var nilMsg *model.Message
	for _, v := range []any{
		M{"messages": msgs, "success": true},
		M{"messages": []*model.Message{}, "success": true, "unreadNotLoaded": 3, "firstUnread": msgs[0]},
		M{"messages": []*model.Message{}, "message": nilMsg, "nested": M{"a\"b": 1.5, "z": nil}, "list": []string{"x"}},
		M{"status": "error", "message": "You must be logged in to do this."},
		M(nil), M{}, "str<>&", 12, true, nil, []any{1, "a"},
	} {
		checkAppendJSON(t, v)
	}
}

// A nil list in an answer is written [], as Rocket.Chat's clients expect.
func TestAppendJSONNilListsAreEmpty(t *testing.T) {
	b, err := appendJSON(nil, M{"messages": []*model.Message(nil), "users": []M(nil), "ids": []string(nil), "none": nil, "m": M{"x": []int(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ids":[],"m":{"x":[]},"messages":[],"none":null,"users":[]}`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "héllo 👋", "\x00\x1f\"\\\b\f\n\r\t", "\u2028\u2029", "bad\xff\xfe", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkAppendJSON(t, s)
		checkAppendJSON(t, M{s: s})
		checkAppendJSON(t, &model.Message{ID: s, Msg: s, Author: model.UserRef{Name: s}, Replies: []string{s}})
	})
}

func BenchmarkHistoryAnswer(b *testing.B) {
	ts := model.TimeOf(time.Date(2026, 5, 27, 9, 19, 38, 988_000_000, time.UTC))
	page := make([]*model.Message, 50)
	for i := range page {
		page[i] = &model.Message{ID: "SNoCcimq85L8Kyujk", RoomID: "uXR7Twf2WkhcrfLvZ",
			Msg:    "index my build build but is yesterday out the get out index review ticket thread ok get what client test",
			SentAt: ts, Author: model.UserRef{ID: "yaQ7j2ufKTn3vjDiH", Username: "admin", Name: "admin"}, UpdatedAt: ts,
			Mentions: []model.Mention{}, Channels: []model.ChannelRef{}, ThreadCount: 1, ThreadLastMessageAt: ts, Replies: []string{"yaQ7j2ufKTn3vjDiH"}}
	}
	v := M{"messages": page, "success": true}
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := appendJSON(make([]byte, 0, 512), v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodingJSON(b, v)
		}
	})
}

// The full sample message sets every field of model.Message, so a field
// added to the model fails here until the sample, and then appendMessage,
// cover it.
func TestSampleMessageSetsEveryField(t *testing.T) {
	full := testMessages()[3]
	doc, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(doc, &keys); err != nil {
		t.Fatal(err)
	}
	rt := reflect.TypeFor[model.Message]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if _, ok := keys[name]; !ok && name != "-" {
			t.Errorf("the full sample message leaves %s (%q) unset", rt.Field(i).Name, name)
		}
	}
}
