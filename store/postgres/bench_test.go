package postgres

import (
	"testing"

	"liftoff/internal/pgtest"
	"liftoff/store"
	"liftoff/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks (storetest.Bench) on
// PostgreSQL with synchronous_commit on (every acknowledged commit is on
// disk, as SQLite's FULL), the events going through the outbox.
//
//	go test ./store/postgres -run '^$' -bench Store -benchmem -count 3
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B, sink store.EventSink) store.Store {
		var pub Publisher
		if sink != nil {
			pub = sinkPublisher(sink)
		}
		return openURL(b, pgtest.Durable(testURL(b)), pub, Options{})
	})
}

// BenchmarkRoundTrip is the floor under every statement: one "SELECT 1"
// on one connection. The writer's throughput is about the round trips a
// message takes (five for the InsertMessage benchmark's function, plus a
// share of the batch's BEGIN and COMMIT) times this.
//
//	go test ./store/postgres -run '^$' -bench RoundTrip -count 3
func BenchmarkRoundTrip(b *testing.B) {
	db := openURL(b, testURL(b), nil, Options{})
	conn, err := db.pool.Acquire(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	b.ResetTimer()
	for range b.N {
		var one int
		if err := conn.QueryRow(b.Context(), "SELECT 1").Scan(&one); err != nil {
			b.Fatal(err)
		}
	}
}
