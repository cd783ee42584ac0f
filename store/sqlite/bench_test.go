package sqlite

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"liftoff/model"
	"liftoff/store"
)

// BenchmarkInsertMessage measures the hot path of the server: concurrent
// Update calls, each doing what sending a message does in one transaction
// (read the room, insert the message, update the room's counters and last
// message, bump the unread/mention counters of the room's 50 members) and
// emitting the event. msgs/s is the throughput of persisted messages;
// cpu-µs/msg is the process CPU time per message.
//
//	go test ./store/sqlite -run '^$' -bench InsertMessage -benchmem -count 3
func BenchmarkInsertMessage(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) { benchInsertMessage(b, sync) })
	}
}

func benchInsertMessage(b *testing.B, synchronous string) {
	const (
		rooms   = 16
		members = 50
	)
	var published atomic.Int64
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), func(es []model.Event) {
		published.Add(int64(len(es)))
	}, Options{Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := b.Context()
	now := model.Now()
	err = db.Update(ctx, func(tx store.Tx) error {
		for r := range rooms {
			rid := fmt.Sprintf("room%02d", r)
			if err := tx.InsertRoom(ctx, &model.Room{ID: rid, Type: model.RoomChannel, Name: rid, CreatedAt: now, UpdatedAt: now, UsersCount: members}); err != nil {
				return err
			}
			for m := range members {
				uid := fmt.Sprintf("user%02d", m)
				s := &model.Subscription{
					ID: rid + "-" + uid, RoomID: rid, User: model.UserRef{ID: uid, Username: uid},
					RoomType: model.RoomChannel, Name: rid, JoinedAt: now, UpdatedAt: now, Open: true,
				}
				if err := tx.InsertSubscription(ctx, s); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
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
			author := fmt.Sprintf("user%02d", n%members)
			mentioned := fmt.Sprintf("user%02d", (n+1)%members)
			at := model.Now()
			msg := &model.Message{
				ID: model.NewID(), RoomID: rid, SentAt: at, UpdatedAt: at,
				Msg:      fmt.Sprintf("message number %d for @%s, with a few words of ordinary chat text", n, mentioned),
				Author:   model.UserRef{ID: author, Username: author, Name: "User " + author},
				Mentions: []model.Mention{{ID: mentioned, Username: mentioned, Type: "user"}},
				Channels: []model.ChannelRef{},
			}
			err := db.Update(ctx, func(tx store.Tx) error {
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
	// CPU time per message of the whole process (writer, callers, GC):
	// unlike msgs/s it does not depend on how busy the machine is.
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
	}
	if got := published.Load(); got != int64(b.N) {
		b.Fatalf("%d events published for %d messages", got, b.N)
	}
}
