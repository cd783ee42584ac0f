package bustest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"liftoff/bus"
	"liftoff/model"
)

// BenchLatency measures publish→deliver: one event published on pub,
// waited for by a subscriber of sub (another instance of the deployment,
// or the same bus), one at a time. ns/op is the round trip; p50-µs and
// p99-µs are its percentiles.
func BenchLatency(b *testing.B, pub, sub bus.Bus) {
	got := make(chan struct{}, 1)
	defer sub.Subscribe("latency", func(model.Event) { got <- struct{}{} })()
	ctx := context.Background()
	// One round trip before measuring: consumers created lazily are ready.
	if err := pub.Publish(ctx, model.UserActivity{RoomID: "warm-up"}); err != nil {
		b.Fatal(err)
	}
	<-got
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if err := pub.Publish(ctx, model.UserActivity{RoomID: "r1", Username: fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			b.Fatalf("event %d not delivered", i)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchThroughput measures how many events per second go from pub to a
// subscriber of sub when published back to back (in calls of batch
// events, as the outbox publisher does).
func BenchThroughput(b *testing.B, pub, sub bus.Bus, batch int) {
	done := make(chan struct{})
	n := 0
	defer sub.Subscribe("throughput", func(model.Event) {
		n++
		if n == b.N {
			close(done)
		}
	})()
	ctx := context.Background()
	events := make([]model.Event, 0, batch)
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		events = events[:0]
		for j := i; j < min(i+batch, b.N); j++ {
			events = append(events, model.UserActivity{RoomID: "r1", Username: fmt.Sprint(j)})
		}
		if err := pub.Publish(ctx, events...); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("%d of %d events delivered", n, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
