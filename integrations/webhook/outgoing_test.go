package webhook

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"liftoff/model"
)

func names(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Integration.ID+"/"+m.TriggerWord)
	}
	return out
}

func TestTriggersMatch(t *testing.T) {
	list := []*Outgoing{
		{ID: "public", Enabled: true, Event: EventSendMessage},                                        // no channel: all public channels
		{ID: "general", Enabled: true, Event: EventSendMessage, Channels: []string{"#general"}},       // by name
		{ID: "byid", Enabled: true, Event: EventSendMessage, Channels: []string{"#GEN"}},              // by id
		{ID: "private", Enabled: true, Event: EventSendMessage, Channels: []string{AllPrivateGroups}}, //
		{ID: "dms", Enabled: true, Event: EventSendMessage, Channels: []string{AllDirectMessages}},    //
		{ID: "to-bot", Enabled: true, Event: EventSendMessage, Channels: []string{"@bot"}},            // DMs with bot
		{ID: "to-uid", Enabled: true, Event: EventSendMessage, Channels: []string{"@UID2"}},           // DMs with UID2
		{ID: "words", Enabled: true, Event: EventSendMessage, Channels: []string{"#general"}, TriggerWords: []string{"!deploy", "!ship"}},
		{ID: "anywhere", Enabled: true, Event: EventSendMessage, Channels: []string{"#general"}, TriggerWords: []string{"urgent"}, TriggerWordAnywhere: true},
		{ID: "edits", Enabled: true, Event: EventSendMessage, Channels: []string{"#general"}, RunOnEdits: true},
		{ID: "off", Enabled: false, Event: EventSendMessage, Channels: []string{"#general"}},
		{ID: "joined", Enabled: true, Event: EventRoomJoined, Channels: []string{"#general"}},
		{ID: "created", Enabled: true, Event: EventRoomCreated, Channels: []string{"#ignored"}}, // rooms don't matter
		{ID: "users", Enabled: true, Event: EventUserCreated},
	}
	tr := NewTriggers(list)
	general := &Room{ID: "GEN", Name: "general", Type: "c"}
	random := &Room{ID: "RND", Name: "random", Type: "c"}
	group := &Room{ID: "GRP", Name: "secret", Type: "p"}
	dm := &Room{ID: "UID1UID2", Type: "d", UserIDs: []string{"UID1", "UID2"}, Usernames: []string{"ana", "bot"}}
	msg := func(text string) *Message { return &Message{ID: "M", Text: text, Username: "ana", UserID: "UID1"} }

	tests := []struct {
		name  string
		event Event
		room  *Room
		msg   *Message
		want  []string
	}{
		{"general plain", EventSendMessage, general, msg("hello"), []string{"public/", "byid/", "general/", "edits/"}},
		{"general trigger word", EventSendMessage, general, msg("!deploy api"), []string{"public/", "byid/", "general/", "words/!deploy", "edits/"}},
		{"trigger word not at start", EventSendMessage, general, msg("please !deploy"), []string{"public/", "byid/", "general/", "edits/"}},
		{"trigger word anywhere", EventSendMessage, general, msg("this is URGENT urgent"), []string{"public/", "byid/", "general/", "anywhere/urgent", "edits/"}},
		{"other channel", EventSendMessage, random, msg("!deploy"), []string{"public/"}},
		{"private group", EventSendMessage, group, msg("x"), []string{"private/"}},
		{"dm from ana", EventSendMessage, dm, msg("x"), []string{"dms/", "to-uid/", "to-bot/"}},
		{"dm from bot itself", EventSendMessage, dm, &Message{Text: "x", Username: "bot"}, []string{"dms/", "to-uid/"}},
		{"edited", EventSendMessage, general, &Message{Text: "hello", Username: "ana", Edited: true}, []string{"edits/"}},
		{"joined", EventRoomJoined, general, nil, []string{"joined/"}},
		{"joined elsewhere", EventRoomJoined, random, nil, nil},
		{"room created anywhere", EventRoomCreated, random, nil, []string{"created/"}},
		{"user created, no room", EventUserCreated, nil, nil, []string{"users/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(tr.Match(tt.event, tt.room, tt.msg)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewRequestBody(t *testing.T) {
	o := &Outgoing{Token: "Tok3n"}
	ts := time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	room := &Room{ID: "GEN", Name: "general", Type: "c"}
	b, err := NewRequestBody(o, "!deploy", EventData{
		Event: EventSendMessage, Room: room, SiteURL: "https://chat.example.org",
		Message: &Message{ID: "MSG1", Text: "!deploy api", TS: ts, UserID: "UID1", Username: "ana", Alias: "Ana (CI)", Tmid: "T1", Edited: true, Bot: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(b)
	want := `{"token":"Tok3n","bot":true,"trigger_word":"!deploy","channel_id":"GEN","channel_name":"general","message_id":"MSG1","timestamp":"2026-11-20T09:00:00.123Z","user_id":"UID1","user_name":"ana","text":"!deploy api","siteUrl":"https://chat.example.org","alias":"Ana (CI)","isEdited":true,"tmid":"T1"}`
	if string(got) != want {
		t.Fatalf("sendMessage body\n got %s\nwant %s", got, want)
	}

	b, _ = NewRequestBody(o, "", EventData{Event: EventSendMessage, Room: &Room{ID: "D1", Type: "d"}, Message: &Message{ID: "M", TS: ts, UserID: "U", Username: "u"}})
	got, _ = json.Marshal(b)
	if string(got) != `{"token":"Tok3n","bot":false,"channel_id":"D1","message_id":"M","timestamp":"2026-11-20T09:00:00.123Z","user_id":"U","user_name":"u","text":""}` {
		t.Fatalf("plain DM body %s", got)
	}

	b, _ = NewRequestBody(o, "", EventData{Event: EventRoomJoined, Room: room, UserID: "U", Username: "u", UserIsBot: true, UserDoc: json.RawMessage(`{"_id":"U"}`), RoomDoc: json.RawMessage(`{"_id":"GEN"}`), Now: ts})
	got, _ = json.Marshal(b)
	if string(got) != `{"token":"Tok3n","bot":true,"channel_id":"GEN","channel_name":"general","timestamp":"2026-11-20T09:00:00.123Z","user_id":"U","user_name":"u","user":{"_id":"U"},"room":{"_id":"GEN"}}` {
		t.Fatalf("roomJoined body %s", got)
	}
	b, _ = NewRequestBody(o, "", EventData{Event: EventUserCreated, UserID: "U", Username: "u", UserDoc: json.RawMessage(`{"_id":"U"}`), UserTS: ts})
	got, _ = json.Marshal(b)
	if string(got) != `{"token":"Tok3n","bot":false,"timestamp":"2026-11-20T09:00:00.123Z","user_id":"U","user_name":"u","user":{"_id":"U"}}` {
		t.Fatalf("userCreated body %s", got)
	}
	if _, err := NewRequestBody(o, "", EventData{Event: EventRoomCreated, Room: room}); err == nil {
		t.Fatal("roomCreated without an owner")
	}
	if _, err := NewRequestBody(o, "", EventData{Event: "nope"}); err == nil {
		t.Fatal("unknown event")
	}
}

func TestRetryDelay(t *testing.T) {
	want := map[string][]time.Duration{
		PowersOfTen:     {100 * time.Millisecond, time.Second, 10 * time.Second, 100 * time.Second, 1000 * time.Second, 10000 * time.Second},
		PowersOfTwo:     {2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second},
		IncrementsOfTwo: {2 * time.Second, 4 * time.Second, 6 * time.Second, 8 * time.Second, 10 * time.Second},
	}
	for policy, delays := range want {
		for tries, d := range delays {
			got, err := RetryDelay(policy, tries)
			if err != nil || got != d {
				t.Errorf("%s after %d retries: %v %v, want %v", policy, tries, got, err, d)
			}
		}
	}
	if _, err := RetryDelay("fibonacci", 0); err == nil {
		t.Error("an unknown policy was accepted")
	}
}

func TestHandleResponse(t *testing.T) {
	retrying := &Outgoing{RetryFailedCalls: true, RetryCount: 2, RetryDelay: PowersOfTwo}
	noRetry := &Outgoing{}
	tests := []struct {
		name   string
		o      *Outgoing
		tries  int
		status int
		ctype  string
		body   string
		want   Decision
	}{
		{"json reply", noRetry, 0, 200, "application/json; charset=utf-8", `{"text":"done","attachments":[{"title":"x"}]}`, Decision{Action: Post, Reply: map[string]any{"text": "done", "attachments": []any{map[string]any{"title": "x"}}}}},
		{"attachments only", noRetry, 0, 201, "application/json", `{"attachments":[{"title":"x"}]}`, Decision{Action: Post, Reply: map[string]any{"attachments": []any{map[string]any{"title": "x"}}}}},
		{"json without text", noRetry, 0, 202, "application/json", `{"ok":true}`, Decision{Action: Done}},
		{"text/plain reply ignored", noRetry, 0, 200, "text/plain", `{"text":"x"}`, Decision{Action: Done}},
		{"javascript type", noRetry, 0, 200, "text/javascript", `{"text":"x"}`, Decision{Action: Post, Reply: map[string]any{"text": "x"}}},
		{"bad json", noRetry, 0, 200, "application/json", `{"text":`, Decision{Action: Done}},
		{"204 is a failure", retrying, 0, 204, "", ``, Decision{Action: Retry, Delay: 2 * time.Second, Step: "going-to-retry-1", Error: true}},
		{"empty 200 is a failure", retrying, 1, 200, "application/json", ``, Decision{Action: Retry, Delay: 4 * time.Second, Step: "going-to-retry-2", Error: true}},
		{"retries exhausted", retrying, 2, 503, "text/plain", `busy`, Decision{Action: GiveUp, Step: "too-many-retries", Error: true}},
		{"500 with body is not retried", retrying, 0, 500, "text/plain", `boom`, Decision{Action: GiveUp, Step: "after-process-http-status-500", Error: true}},
		{"500 without body is retried", retrying, 0, 500, "", ``, Decision{Action: Retry, Delay: 2 * time.Second, Step: "going-to-retry-1", Error: true}},
		{"410 disables", retrying, 0, 410, "text/plain", `gone`, Decision{Action: Disable, Step: "after-process-http-status-410", Error: true}},
		{"not configured", noRetry, 0, 404, "text/plain", `nope`, Decision{Action: GiveUp, Step: "failed-and-not-configured-to-retry", Error: true}},
		{"bad policy", &Outgoing{RetryFailedCalls: true, RetryCount: 3, RetryDelay: "weekly"}, 0, 404, "", `x`, Decision{Action: GiveUp, Step: "failed-and-retry-delay-is-invalid", Error: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HandleResponse(tt.o, tt.tries, tt.status, tt.ctype, []byte(tt.body))
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Fatalf("got %s, want %s", gj, wj)
			}
		})
	}
}

func TestReplyHelpers(t *testing.T) {
	o := &Outgoing{Username: "rocket.cat", TargetRoom: "#alerts", Alias: "CI", Emoji: ":robot:"}
	if ReplyRoom(o, map[string]any{"text": "x"}) != "#alerts" || ReplyRoom(o, map[string]any{"channel": "#ops"}) != "#ops" {
		t.Fatal("ReplyRoom")
	}
	d := ReplyDefaults(o, &Room{ID: "D1", Type: "d"})
	if !reflect.DeepEqual(d, Defaults{Channels: []string{"@D1"}, Alias: "CI", Emoji: ":robot:"}) {
		t.Fatalf("defaults %+v", d)
	}
	if ReplyDefaults(o, &Room{ID: "GEN", Type: "c"}).Channels[0] != "#GEN" {
		t.Fatal("channel default")
	}
	body := &RequestBody{UserName: "ana"}
	if got := ReplyPosters(o, body); !reflect.DeepEqual(got, []string{"rocket.cat"}) {
		t.Fatalf("posters %v", got)
	}
	o.ImpersonateUser = true
	if got := ReplyPosters(o, body); !reflect.DeepEqual(got, []string{"ana", "rocket.cat"}) {
		t.Fatalf("impersonating posters %v", got)
	}
	// A reply becomes a draft like an incoming payload.
	draft, err := BuildDraft(map[string]any{"text": "pong"}, ReplyDefaults(o, &Room{ID: "GEN", Type: "c"}), "OUT1")
	if err != nil || draft.Msg != "pong" || draft.Channels[0] != "#GEN" || draft.Bot["i"] != "OUT1" || draft.Alias != "CI" {
		t.Fatalf("reply draft %+v %v", draft, err)
	}
}

func TestNormalizeOutgoing(t *testing.T) {
	base := OutgoingInput{Event: "sendMessage", Username: "rocket.cat", Channel: " #general, @ana ,, ALL_PRIVATE_GROUPS", URLs: []string{" ", "https://hooks.example.org/a"}, TriggerWords: []string{"!go", " ", ""}}
	n, err := NormalizeOutgoing(base)
	if err != nil {
		t.Fatal(err)
	}
	want := &NormalizedOutgoing{Event: EventSendMessage, Channels: []string{"#general", "@ana", AllPrivateGroups}, URLs: []string{"https://hooks.example.org/a"}, TriggerWords: []string{"!go"}, NeedsManagePermission: true, RoomChannels: []string{"#general", "@ana"}}
	if !reflect.DeepEqual(n, want) {
		t.Fatalf("got %+v\nwant %+v", n, want)
	}

	retry := base
	retry.Channel, retry.RetryFailedCalls, retry.RetryCount, retry.RetryDelay = "all_public_channels", true, "0", ""
	n, _ = NormalizeOutgoing(retry)
	if n.RetryCount != 4 || n.RetryDelay != PowersOfTen || n.NeedsManagePermission {
		t.Fatalf("retry defaults %+v", n)
	}
	retry.RetryCount, retry.RetryDelay = "7", "Increments-Of-Two"
	n, _ = NormalizeOutgoing(retry)
	if n.RetryCount != 7 || n.RetryDelay != IncrementsOfTwo {
		t.Fatalf("retry %+v", n)
	}
	retry.RetryCount = float64(2)
	if n, _ = NormalizeOutgoing(retry); n.RetryCount != 2 {
		t.Fatalf("numeric retry count %+v", n)
	}

	user := OutgoingInput{Event: "userCreated", Username: "rocket.cat", URLs: []string{"https://x.example"}, TargetRoom: "#new-users", TriggerWords: []string{"x"}, Channel: "#ignored"}
	n, err = NormalizeOutgoing(user)
	if err != nil || n.Channels != nil || n.TriggerWords != nil || !n.NeedsManagePermission {
		t.Fatalf("userCreated %+v %v", n, err)
	}

	refused := map[string]OutgoingInput{
		"error-invalid-event-type":               {Event: "messageSent", Username: "u", URLs: []string{"https://x"}},
		"error-invalid-username":                 {Event: "sendMessage", Username: " ", URLs: []string{"https://x"}},
		"error-invalid-targetRoom":               {Event: "userCreated", Username: "u", URLs: []string{"https://x"}},
		"error-invalid-urls":                     {Event: "sendMessage", Username: "u", URLs: []string{"", " "}},
		"error-invalid-channel-start-with-chars": {Event: "sendMessage", Username: "u", URLs: []string{"https://x"}, Channel: "general"},
	}
	for typ, in := range refused {
		_, err := NormalizeOutgoing(in)
		ve, ok := model.AsError(err)
		if !ok || ve.Type != typ {
			t.Errorf("%s: %v", typ, err)
		}
	}
}
