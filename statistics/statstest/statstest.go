// Package statstest is the contract suite every statistics.Store must pass
// (store/sqlite and store/postgres run it).
package statstest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/statistics"
)

// Run checks a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) statistics.Store) {
	t.Run("record and page", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		if got, total, err := s.StatisticsPage(ctx, 0, 10); err != nil || len(got) != 0 || total != 0 {
			t.Fatalf("fresh store: %v %d %v", got, total, err)
		}
		base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		for i, id := range []string{"a", "b", "c"} {
			doc, _ := json.Marshal(map[string]any{"_id": id, "totalUsers": i})
			if err := s.InsertStatistics(ctx, &statistics.Snapshot{ID: id, CreatedAt: model.TimeOf(base.Add(time.Duration(i) * time.Hour)), Document: doc}); err != nil {
				t.Fatalf("insert %s: %v", id, err)
			}
		}
		got, total, err := s.StatisticsPage(ctx, 0, 2)
		if err != nil || total != 3 || len(got) != 2 || got[0].ID != "c" || got[1].ID != "b" {
			t.Fatalf("first page (newest first): %v %d %v", got, total, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(got[0].Document, &doc); err != nil || doc["_id"] != "c" || doc["totalUsers"] != float64(2) ||
			!got[0].CreatedAt.Equal(base.Add(2*time.Hour)) {
			t.Fatalf("document: %s %v", got[0].Document, err)
		}
		got, total, err = s.StatisticsPage(ctx, 2, 0)
		if err != nil || total != 3 || len(got) != 1 || got[0].ID != "a" {
			t.Fatalf("from offset 2: %v %d %v", got, total, err)
		}
	})
}
