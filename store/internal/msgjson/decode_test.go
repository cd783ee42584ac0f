package msgjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"liftoff/model"
)

// sampleMessages are messages as the service stores them, from the
// plainest to one with every field set.
func sampleMessages() []*model.Message {
	ts := model.TimeOf(time.Date(2026, 11, 25, 21, 19, 9, 397_000_000, time.UTC))
	later := model.TimeOf(ts.Add(90 * time.Second))
	yes := true
	u := model.UserRef{ID: "u1", Username: "alice", Name: "Alice A."}
	return []*model.Message{
		{ID: "m1", RoomID: "r1", Msg: "hello", SentAt: ts, Author: u, UpdatedAt: ts,
			Mentions: []model.Mention{}, Channels: []model.ChannelRef{}},
		{ID: "m2", RoomID: "r1", Msg: "héllo 👋 \"quoted\" back\\slash\nline\ttab <b>&amp;</b> \u2028", SentAt: ts,
			Author: model.UserRef{ID: "u2", Username: "bob"}, UpdatedAt: later,
			Mentions: []model.Mention{{ID: "u1", Username: "alice", Name: "Alice", Type: "user"}, {ID: "here", Username: "here"}},
			Channels: []model.ChannelRef{{ID: "r2", Name: "general"}}, ThreadID: "m1", ShowInRoom: true},
		{ID: "m3", RoomID: "r1", Msg: "", Type: "uj", SentAt: ts, Author: u, UpdatedAt: ts},
		{ID: "m4", RoomID: "r1", Msg: "all of it", SentAt: ts, Author: u, UpdatedAt: later, Alias: "bot", Emoji: ":smile:",
			Avatar: "https://example.com/a.png", Groupable: &yes,
			Mentions: []model.Mention{}, Channels: []model.ChannelRef{},
			Attachments: []map[string]any{{"title": "t", "fields": []any{map[string]any{"short": true, "n": 1.5}}}},
			File:        &model.FileRef{ID: "f1", Name: "a.png", Type: "image/png", Size: 10, Format: "png", TypeGroup: "image"},
			Files:       []model.FileRef{{ID: "f1", Name: "a.png", Type: "image/png", Size: 10}, {ID: "f2", Name: "thumb-a.png", TypeGroup: "thumb"}},
			Reactions:   map[string]*model.Reaction{":+1:": {Usernames: []string{"alice", "bob"}, Names: []string{"A", "B"}}},
			Pinned:      true, PinnedAt: later, PinnedBy: &model.UserRef{ID: "u2", Username: "bob"},
			Starred:  []model.Starrer{{ID: "u1"}},
			EditedAt: later, EditedBy: &u, ThreadCount: 42, ThreadLastMessageAt: later, Replies: []string{"u1", "u2"},
			DiscussionID: "d1", DiscussionCount: 3, DiscussionLastMessageAt: later, Parent: "p1", Role: "owner", Hidden: true, Unread: true, ParseURLs: true,
			URLs:         []map[string]any{{"url": "https://example.com"}},
			CustomFields: map[string]any{"k": "v", "n": nil}, Bot: map[string]any{"i": "integration1"}},
		{ID: "m5", RoomID: "r1", Msg: "old", SentAt: model.TimeOf(time.Date(1999, 2, 28, 23, 59, 59, 999_000_000, time.UTC)),
			Author: u, ThreadCount: -3},
		{ID: "m6", RoomID: "r1", Msg: "", Type: "e2e", E2E: "pending", SentAt: ts, Author: u, UpdatedAt: ts,
			Mentions: []model.Mention{}, Channels: []model.ChannelRef{},
			Content: &model.EncryptedContent{Algorithm: "rc.v2.aes-sha2", KeyID: "a1b2c3d4e5f6", IV: "aXY=", Ciphertext: "Y2lwaGVy"}},
	}
}

// checkSameAsJSON fails unless Decode gives what json.Unmarshal
// gives for doc: the same message, or an error for both.
func checkSameAsJSON(t *testing.T, doc []byte) {
	t.Helper()
	want := new(model.Message)
	wantErr := json.Unmarshal(doc, want)
	got, err := Decode(doc)
	switch {
	case wantErr != nil && err == nil:
		t.Fatalf("Decode(%s) = %+v, json.Unmarshal fails: %v", doc, got, wantErr)
	case wantErr == nil && err != nil:
		t.Fatalf("Decode(%s) fails: %v; json.Unmarshal gives %+v", doc, err, want)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("Decode(%s)\n got %#v\nwant %#v", doc, got, want)
	}
}

func TestDecodeMessageMatchesJSON(t *testing.T) {
	for _, m := range sampleMessages() {
		doc, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		checkSameAsJSON(t, doc)
		// The fast path must take the documents this package writes.
		var got model.Message
		d := msgDecoder{b: doc}
		if !d.message(&got) || !d.end() {
			t.Errorf("fast path refused %s", doc)
		}
		if !reflect.DeepEqual(&got, m) {
			t.Errorf("round trip of %s\n got %#v\nwant %#v", doc, &got, m)
		}
	}
	// Documents the fast path hands over, or that are invalid.
	for _, doc := range []string{
		`{}`, ` { "_id" : "a" , "rid":"r" } `, `{"_id":"a\u00e9\n"}`, `{"msg":"bad \xff utf8"}`,
		`{"ID":"case"}`, `{"_id":"a","_id":"b"}`, `{"u":{"_id":"a"},"u":{"username":"b"}}`,
		`{"_id":null}`, `{"ts":null}`, `{"mentions":null}`, `{"tshow":null}`, `{"unknown":1}`,
		`{"tcount":1.0}`, `{"tcount":1e2}`, `{"tcount":01}`, `{"tcount":-0}`, `{"tcount":99999999999999999999}`,
		`{"tcount":"3"}`, `{"tshow":1}`, `{"tshow":truex}`, `{"ts":"2026-02-30T00:00:00.000Z"}`,
		`{"ts":"2026-11-25T21:19:09Z"}`, `{"ts":"2026-11-25T21:19:09.123456+02:00"}`, `{"ts":{"$date":1764105549397}}`,
		`{"ts":1764105549397}`, `{"ts":"2026-11-25T24:00:00.000Z"}`, `{"ts":"2026-11-25T21:19:60.000Z"}`,
		`{"ts":"2026-11-25T21:19:09.-01Z"}`, `{"ts":"2026\u002d11-25T21:19:09.000Z"}`,
		`{"attachments":[{"a":[1,{"b":"}"}]}]}`, `{"attachments":[}`, `{"reactions":{"x":{"usernames":["a"]}}}`,
		`{"groupable":false}`, `{"customFields":{"a":[]},"urls":[]}`, `{"starred":[{"_id":"u"}]}`,
		`{"_id":"a",}`, `{"_id":"a"`, `{"_id":"a"}x`, `[]`, `null`, `"str"`, ``, `{"_id":"a\"}`,
		`{"mentions":[{"_id":"a"},]}`, `{"mentions":[{"_id":"a","_ID":"b"}]}`, `{"replies":["a",1]}`,
		`{"channels":[{"_id":"c","name":"n","x":1}]}`, `{"msg":"tab	raw"}`, `{"u":{"_id":"a","name":null}}`,
	} {
		checkSameAsJSON(t, []byte(doc))
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		doc, err := json.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Add([]byte(`{"ts":"2026-02-30T00:00:00.000Z","tcount":01}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkSameAsJSON(t, doc)
	})
}

func BenchmarkDecodeMessage(b *testing.B) {
	// A message as seed-messages writes them: ASCII text, no mentions.
	ts := model.TimeOf(time.Date(2026, 5, 27, 9, 19, 38, 988_000_000, time.UTC))
	doc, err := json.Marshal(&model.Message{ID: "SNoCcimq85L8Kyujk", RoomID: "uXR7Twf2WkhcrfLvZ",
		Msg:    "index my build build but is yesterday out the get out index review ticket thread ok get what client test",
		SentAt: ts, Author: model.UserRef{ID: "yaQ7j2ufKTn3vjDiH", Username: "admin", Name: "admin"}, UpdatedAt: ts,
		Mentions: []model.Mention{}, Channels: []model.ChannelRef{}, ThreadCount: 1, ThreadLastMessageAt: ts, Replies: []string{"yaQ7j2ufKTn3vjDiH"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := new(model.Message)
			if err := json.Unmarshal(doc, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Every field of model.Message has a key in the fast path; a field added
// to the model without one would silently send every message with it to
// the slow path.
func TestDecodeMessageKnowsEveryField(t *testing.T) {
	rt := reflect.TypeFor[model.Message]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if messageKey([]byte(name)) < 0 {
			t.Errorf("model.Message field %s (%q) is unknown to messageKey", rt.Field(i).Name, name)
		}
	}
}
