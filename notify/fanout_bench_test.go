package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/jobs"
	"liftoff/notify/push"
	"liftoff/notify/rules"
	"liftoff/store/sqlite"
)

// The fan-out of an @all mention in a 10,000-member room: computing the
// deliveries and enqueueing one job per queued delivery (compute+enqueue),
// then draining those jobs to a fake push provider over HTTP (drain).
// Figures in docs/performance.md.

const roomSize = 10_000

func bigRoom(messageID string, now time.Time) rules.Input {
	members := make([]rules.Member, roomSize+1)
	members[0] = rules.Member{UserID: "sender", Active: true, Status: "online", Connection: "online"}
	conns := []string{"online", "away", "offline", "offline"}
	for i := 1; i <= roomSize; i++ {
		c := conns[i%len(conns)]
		members[i] = rules.Member{UserID: fmt.Sprintf("u%05d", i), Active: true, Status: c, Connection: c, HasEmail: true}
		if i%10 == 0 {
			members[i].Prefs.Highlights = []string{"deploy", "incident"}
		}
	}
	return rules.Input{
		Message: rules.Message{ID: messageID, Text: "@all the deploy is done, please check your dashboards", TS: now,
			Mentions: []rules.Mention{{ID: "all"}}},
		Room:    rules.Room{ID: "GENERAL", Type: "c"},
		Sender:  rules.Sender{ID: "sender", Username: "alice"},
		Members: members,
		Now:     now,
	}
}

// pushJob is the payload of a benchmark push job.
type pushJob struct {
	UserID string            `json:"uid"`
	Note   push.Notification `json:"n"`
}

// jobsFor turns deliveries into jobs, as the wiring layer would: one job
// per (message, user, channel), keyed for idempotency, grouped by user.
func jobsFor(in rules.Input, ds []rules.Delivery, s push.MessageSettings) []jobs.NewJob {
	out := make([]jobs.NewJob, 0, len(ds))
	for _, d := range ds {
		if d.Channel == rules.Desktop {
			continue // sent over the user's connections, not queued
		}
		n := push.Message(push.MessageInput{
			RoomID: in.Room.ID, RoomType: in.Room.Type, RoomName: "general", MessageID: in.Message.ID,
			SenderID: in.Sender.ID, SenderUsername: in.Sender.Username, Text: in.Message.Text, RecipientID: d.UserID,
		}, s)
		p, _ := json.Marshal(pushJob{UserID: d.UserID, Note: n})
		out = append(out, jobs.NewJob{
			Kind: "notify." + string(d.Channel), Key: string(d.Channel) + ":" + in.Message.ID + ":" + d.UserID,
			Group: "user:" + d.UserID, Payload: p, RunAt: in.Now.Add(d.Delay),
		})
	}
	return out
}

func openBenchDB(b *testing.B) *sqlite.DB {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "liftoff.db"), nil, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

var pushSettings = push.MessageSettings{SiteURL: "https://chat.example.org", UniqueID: "bench", ShowMessage: true, ShowNames: true}

// BenchmarkFanoutEnqueue: rules.Compute plus one Enqueue of every job, on
// a SQLite store with synchronous=FULL (the default).
func BenchmarkFanoutEnqueue(b *testing.B) {
	db := openBenchDB(b)
	q := jobs.New(db, jobs.Options{})
	s := rules.DefaultSettings()
	s.MaxRoomMembers = 0 // notify the whole room
	i := 0
	var queued int
	for b.Loop() {
		i++
		in := bigRoom(fmt.Sprintf("m%d", i), time.Now())
		js := jobsFor(in, rules.Compute(in, s), pushSettings)
		n, err := q.Enqueue(context.Background(), js...)
		if err != nil || n != len(js) {
			b.Fatalf("enqueued %d of %d: %v", n, len(js), err)
		}
		queued = n
	}
	b.ReportMetric(float64(queued), "jobs/op")
}

// BenchmarkFanoutDrain: 10,000 push jobs drained by 16 workers through the
// gateway transport to a local HTTP server answering 200.
func BenchmarkFanoutDrain(b *testing.B) {
	var received atomic.Int64
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer provider.Close()
	provider.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	sender := &push.Sender{Gateway: &push.Gateway{URLs: []string{provider.URL}, Client: provider.Client()}}

	db := openBenchDB(b)
	s := rules.DefaultSettings()
	s.MaxRoomMembers = 0
	i := 0
	var perOp int
	for b.Loop() {
		b.StopTimer()
		i++
		q := jobs.New(db, jobs.Options{Workers: 16, PollInterval: 10 * time.Millisecond})
		var handled atomic.Int64
		done := make(chan struct{})
		q.Handle("notify.mobile", func(ctx context.Context, j jobs.Job) error {
			var p pushJob
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			err := sender.Send(ctx, push.Token{Kind: push.KindGCM, Value: "tok-" + p.UserID}, p.Note, push.SendOptions{CollapseID: j.Key})
			if handled.Add(1) == int64(perOp) {
				close(done)
			}
			return err
		}, jobs.KindOptions{})
		in := bigRoom(fmt.Sprintf("m%d", i), time.Now().Add(-time.Hour)) // every job due now
		var js []jobs.NewJob
		for _, j := range jobsFor(in, rules.Compute(in, s), pushSettings) {
			if j.Kind == "notify.mobile" {
				j.RunAt = time.Time{}
				js = append(js, j)
			}
		}
		perOp = len(js)
		if _, err := q.Enqueue(context.Background(), js...); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan error, 1)
		b.StartTimer()
		go func() { stopped <- q.Run(ctx) }()
		<-done
		cancel()
		if err := <-stopped; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(perOp), "jobs/op")
	if received.Load() == 0 {
		b.Fatal("the provider received nothing")
	}
}
