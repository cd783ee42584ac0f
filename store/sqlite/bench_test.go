package sqlite

import (
	"path/filepath"
	"testing"

	"liftoff/store"
	"liftoff/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks (storetest.Bench) on
// SQLite, with synchronous=FULL (the default: every acknowledged commit
// survives a power loss) and NORMAL.
//
//	go test ./store/sqlite -run '^$' -bench Store -benchmem -count 3
func BenchmarkStore(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			storetest.Bench(b, func(b *testing.B, sink store.EventSink) store.Store {
				db, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), sink, Options{Synchronous: sync})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.Close() })
				return db
			})
		})
	}
}
