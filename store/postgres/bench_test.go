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
