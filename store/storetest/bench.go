package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// BenchOpener opens a fresh, empty store for one benchmark; the backend
// passes the committed events to sink. The store is closed by b.Cleanup.
type BenchOpener func(b *testing.B, sink store.EventSink) store.Store

// Bench runs the store benchmarks on a backend, so that the same work is
// measured on every backend:
//
//   - InsertMessage: what sending a message does, by many concurrent
//     senders (read the room, insert the message, update the room, bump
//     50 members' unread and one member's mentions, emit the event);
//     msgs/s is the throughput of persisted messages, cpu-µs/msg the
//     benchmark process's CPU time per message, publish-lag-ms how long
//     after the last commit its event reached the sink;
//   - HistoryPage: one page of 50 messages in the middle of a room of
//     20,000 (ListMessages without the total, as the history calls ask);
//   - BulkUpdate: UpdateSubscriptionsOfRoom of a room of 1,000 members,
//     one transaction per operation (open, alert, unread+1, one mention);
//   - Search: a full-text search of the 20,000-message room, a page of 20.
func Bench(b *testing.B, open BenchOpener) {
	b.Run("InsertMessage", func(b *testing.B) { benchInsertMessage(b, open) })
	b.Run("HistoryPage", func(b *testing.B) { benchHistory(b, open) })
	b.Run("BulkUpdate", func(b *testing.B) { benchBulkUpdate(b, open) })
	b.Run("Search", func(b *testing.B) { benchSearch(b, open) })
}

// seedRoom creates a room with members (user0000...) and count messages,
// one per second from base, a few words each; the room's name is its id.
func seedRoom(b *testing.B, s store.Store, rid string, members, count int) {
	ctx := context.Background()
	now := model.Now()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertRoom(ctx, &model.Room{ID: rid, Type: model.RoomChannel, Name: rid, CreatedAt: now, UpdatedAt: now, UsersCount: members}); err != nil {
			return err
		}
		for m := range members {
			uid := fmt.Sprintf("user%04d", m)
			sub := &model.Subscription{
				ID: rid + "-" + uid, RoomID: rid, User: model.UserRef{ID: uid, Username: uid},
				RoomType: model.RoomChannel, Name: rid, JoinedAt: now, UpdatedAt: now, Open: true,
			}
			if err := tx.InsertSubscription(ctx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	words := []string{"deploy", "review", "lunch", "meeting", "release", "bug", "coffee", "design", "test", "docs"}
	const batch = 500
	for start := 0; start < count; start += batch {
		err := s.Update(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+batch, count); i++ {
				at := model.TimeOf(base.Add(time.Duration(i) * time.Second))
				author := fmt.Sprintf("user%04d", i%max(members, 1))
				m := &model.Message{
					ID: fmt.Sprintf("%s-m%07d", rid, i), RoomID: rid, SentAt: at, UpdatedAt: at,
					Msg:    fmt.Sprintf("message %d about the %s and the %s, nothing more", i, words[i%len(words)], words[(i/7)%len(words)]),
					Author: model.UserRef{ID: author, Username: author}, Mentions: []model.Mention{}, Channels: []model.ChannelRef{},
				}
				if err := tx.InsertMessage(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// A bulk import is followed by fresh planner statistics where the
	// backend keeps them (PostgreSQL: ANALYZE).
	if a, ok := s.(interface{ Analyze(context.Context) error }); ok {
		if err := a.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func benchInsertMessage(b *testing.B, open BenchOpener) {
	const (
		rooms   = 16
		members = 50
	)
	var published atomic.Int64
	lastEvent := make(chan struct{}, 1)
	var want atomic.Int64
	want.Store(-1)
	s := open(b, func(es []model.Event) {
		if n := published.Add(int64(len(es))); n == want.Load() {
			lastEvent <- struct{}{}
		}
	})
	ctx := context.Background()
	for r := range rooms {
		seedRoom(b, s, fmt.Sprintf("room%02d", r), members, 0)
	}

	var seq atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS concurrent senders
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			rid := fmt.Sprintf("room%02d", n%rooms)
			author := fmt.Sprintf("user%04d", n%members)
			mentioned := fmt.Sprintf("user%04d", (n+1)%members)
			at := model.Now()
			msg := &model.Message{
				ID: model.NewID(), RoomID: rid, SentAt: at, UpdatedAt: at,
				Msg:      fmt.Sprintf("message number %d for @%s, with a few words of ordinary chat text", n, mentioned),
				Author:   model.UserRef{ID: author, Username: author, Name: "User " + author},
				Mentions: []model.Mention{{ID: mentioned, Username: mentioned, Type: "user"}},
				Channels: []model.ChannelRef{},
			}
			err := s.Update(ctx, func(tx store.Tx) error {
				room, err := tx.RoomByID(ctx, rid)
				if err != nil {
					return err
				}
				if err := tx.InsertMessage(ctx, msg); err != nil {
					return err
				}
				room.MessageCount++
				room.LastMessageAt, room.UpdatedAt, room.LastMessage = at, at, msg
				if err := tx.UpdateRoom(ctx, room); err != nil {
					return err
				}
				if _, err := tx.UpdateSubscriptionsOfRoom(ctx, rid, store.SubscriptionChange{
					Exclude: []string{author}, At: at, Open: true, Alert: true, IncUnread: 1,
					Mentioned: []string{mentioned},
				}); err != nil {
					return err
				}
				tx.Emit(model.MessageSaved{Message: msg, RoomType: room.Type, RoomName: room.Name, Created: true})
				return nil
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	// CPU time per message of this process (for SQLite the whole store;
	// for PostgreSQL the client side only): unlike msgs/s it does not
	// depend much on how busy the machine is.
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	}
	// Events may reach the sink after Update returned (the PostgreSQL
	// outbox is published asynchronously): wait for the last one.
	committed := time.Now()
	want.Store(int64(b.N))
	if published.Load() < int64(b.N) {
		select {
		case <-lastEvent:
		case <-time.After(60 * time.Second):
			b.Fatalf("%d events published for %d messages", published.Load(), b.N)
		}
	}
	b.ReportMetric(float64(time.Since(committed).Microseconds())/1000, "publish-lag-ms")
	if got := published.Load(); got != int64(b.N) {
		b.Fatalf("%d events published for %d messages", got, b.N)
	}
}

const benchRoomMessages = 20_000

func benchHistory(b *testing.B, open BenchOpener) {
	s := open(b, nil)
	seedRoom(b, s, "hist", 50, benchRoomMessages)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		// Pages ending somewhere in the middle half of the room.
		before := model.TimeOf(base.Add(time.Duration(benchRoomMessages/4+(i*7919)%(benchRoomMessages/2)) * time.Second))
		ms, _, err := s.ListMessages(ctx, store.MessageQuery{RoomID: "hist", Before: before}, store.Page{Count: 50, NoTotal: true})
		if err != nil || len(ms) != 50 {
			b.Fatalf("page: %d messages, %v", len(ms), err)
		}
	}
}

func benchBulkUpdate(b *testing.B, open BenchOpener) {
	const members = 1000
	s := open(b, nil)
	seedRoom(b, s, "big", members, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		author := fmt.Sprintf("user%04d", i%members)
		err := s.Update(ctx, func(tx store.Tx) error {
			ids, err := tx.UpdateSubscriptionsOfRoom(ctx, "big", store.SubscriptionChange{
				Exclude: []string{author}, At: model.Now(), Open: true, Alert: true, IncUnread: 1,
				Mentioned: []string{fmt.Sprintf("user%04d", (i+1)%members)},
			})
			if err == nil && len(ids) != members-1 {
				err = fmt.Errorf("%d subscriptions changed, want %d", len(ids), members-1)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchSearch(b *testing.B, open BenchOpener) {
	s := open(b, nil)
	seedRoom(b, s, "search", 50, benchRoomMessages)
	ctx := context.Background()
	words := []string{"deploy review", "coffee", "releas", "nothing design", "bug"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ms, _, err := s.SearchMessages(ctx, "search", words[i%len(words)], store.Page{Count: 20, NoTotal: true})
		if err != nil || len(ms) == 0 {
			b.Fatalf("search %q: %d messages, %v", words[i%len(words)], len(ms), err)
		}
	}
}
