package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"liftoff/model"
	"liftoff/realtime/ddp"
)

// recordingTransport keeps every write's frames.
type recordingTransport struct {
	mu     sync.Mutex
	writes [][]string
	wrote  chan struct{}
}

func (t *recordingTransport) write(_ context.Context, frames [][]byte) error {
	w := make([]string, len(frames))
	for i, f := range frames {
		w[i] = string(f)
	}
	t.mu.Lock()
	t.writes = append(t.writes, w)
	t.mu.Unlock()
	t.wrote <- struct{}{}
	return nil
}

func (t *recordingTransport) closeNow() {}

// The events of one bus batch (a message's room change and the message)
// reach a connection in one write, in publish order, with the same bytes
// as when handled one by one.
func TestBatchGoesOutInOneWrite(t *testing.T) {
	srv := newBenchServer(t, nil)
	tr := &recordingTransport{wrote: make(chan struct{}, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &session{srv: srv, ctx: ctx, cancel: cancel, subs: map[string]*subscription{}, tr: tr}
	s.who.Store(&identity{user: &model.User{ID: "u1", Username: "u1"}})
	srv.hub.userLoggedIn(s, "u1")
	srv.hub.roomsLoaded("u1", []string{"R"}, true)
	for _, sub := range []*subscription{
		{id: "1", kind: kindRoomMessages, scope: "R"},
		{id: "2", kind: kindUserNotify, scope: "u1", event: eventRoomsChanged},
	} {
		s.subs[sub.id] = sub
		srv.hub.index(s, sub)
	}
	msg := &model.Message{ID: "m1", RoomID: "R", Msg: "hi", SentAt: model.TimeFromMillis(1764014500123),
		Author: model.UserRef{ID: "u2", Username: "u2"}, Mentions: []model.Mention{}, Channels: []model.ChannelRef{}}
	room := &model.Room{ID: "R", Type: "c", Name: "general", MessageCount: 1, LastMessageAt: msg.SentAt, LastMessage: msg, UpdatedAt: msg.SentAt}
	events := []model.Event{
		model.RoomChanged{Action: model.ActionUpdated, Room: room},
		model.MessageSaved{Message: msg, RoomType: "c", RoomName: "general", Created: true},
	}

	srv.hub.handleEvents(events)
	<-tr.wrote
	roomJSON, err := ddp.Marshal(room)
	if err != nil {
		t.Fatal(err)
	}
	msgJSON, err := ddp.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	wantRooms := string(must(ddp.StreamEvent(streamNotifyUser, "u1/rooms-changed", model.ActionUpdated, rawJSON(roomJSON))))
	wantMsg := string(must(ddp.StreamEvent(streamRoomMessages, "R", rawJSON(msgJSON))))
	tr.mu.Lock()
	got := tr.writes
	tr.mu.Unlock()
	if len(got) != 1 || len(got[0]) != 2 || got[0][0] != wantRooms || got[0][1] != wantMsg {
		t.Fatalf("writes = %q\nwant one write of [%s %s]", got, wantRooms, wantMsg)
	}

	// One at a time (a bus without batches), the same frames in order.
	for _, e := range events {
		srv.hub.handleEvent(e)
		<-tr.wrote
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var frames []string
	for _, w := range tr.writes[1:] {
		frames = append(frames, w...)
	}
	if len(frames) != 2 || frames[0] != wantRooms || frames[1] != wantMsg {
		t.Fatalf("frames handled one by one = %q", frames)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func rawJSON(b []byte) json.RawMessage { return json.RawMessage(b) }
