package chat_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/access"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/store/sqlite"
)

// BenchmarkSendMessage measures the whole hot path of posting a message:
// chat.Messages.SendMessage (permission checks, mention parsing, one store
// transaction updating the room and the 50 members' subscriptions, the
// events) onto a real SQLite database in a temporary directory, with
// synchronous=FULL. Many goroutines post at once, so the store's group
// commit batches their transactions; msgs/s counts persisted messages.
//
//	go test ./chat -run '^$' -bench SendMessage -benchmem -count 3
func BenchmarkSendMessage(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) { benchSendMessage(b, sync) })
	}
}

func benchSendMessage(b *testing.B, synchronous string) {
	const members = 50
	ctx := context.Background()
	var created atomic.Int64 // MessageSaved events of new messages
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), func(es []model.Event) {
		for _, e := range es {
			if ev, ok := e.(model.MessageSaved); ok && ev.Created {
				created.Add(1)
			}
		}
	}, sqlite.Options{Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := chat.New(chat.Deps{
		Store:       db,
		Permissions: access.NewChecker(access.DefaultPermissions()),
		Settings:    settings.NewRegistry(settings.Defaults()),
	})
	users := make([]*model.User, members)
	names := make([]string, 0, members-1)
	for i := range users {
		u, err := svc.Accounts.InsertUser(ctx, chat.NewUserInput{Username: fmt.Sprintf("member%02d", i)})
		if err != nil {
			b.Fatal(err)
		}
		users[i] = u
		if i > 0 {
			names = append(names, u.Username)
		}
	}
	room, err := svc.Rooms.CreateRoom(ctx, users[0], chat.CreateRoomInput{Type: model.RoomChannel, Name: "bench", Members: names})
	if err != nil {
		b.Fatal(err)
	}
	if room.UsersCount != members {
		b.Fatalf("room has %d members, want %d", room.UsersCount, members)
	}

	created.Store(0)
	var next atomic.Int64
	b.SetParallelism(128) // 256 concurrent senders on 2 cores: the writer always has a full batch waiting
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			author := users[int(n)%members]
			text := "hello world, message number " + fmt.Sprint(n)
			if n%10 == 0 {
				text += " @" + users[int(n+1)%members].Username
			}
			if _, err := svc.Messages.SendMessage(ctx, author, chat.SendInput{RoomID: room.ID, Msg: text}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")

	got, err := db.RoomByID(ctx, room.ID)
	if err != nil {
		b.Fatal(err)
	}
	if got.MessageCount != b.N {
		b.Fatalf("room counts %d messages, want %d", got.MessageCount, b.N)
	}
	if n := created.Load(); n != int64(b.N) {
		b.Fatalf("%d MessageSaved events for %d messages", n, b.N)
	}
}
