package bus_test

import (
	"fmt"
	"slices"
	"testing"

	"liftoff/bus"
	"liftoff/bus/bustest"
	"liftoff/model"
)

func TestMemoryContract(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bus.Bus { return bus.NewMemory(64) })
	bustest.RunCluster(t, func(t *testing.T, n int) []bus.Bus {
		b := bus.NewMemory(64)
		return slices.Repeat([]bus.Bus{b}, n)
	})
}

func TestDeduplicatorReportsGaps(t *testing.T) {
	var gaps []bus.Gap
	d := bus.NewDeduplicator(func(g bus.Gap) { gaps = append(gaps, g) })
	at := func(stream string, seq int64, epoch string) model.Event {
		return model.MessageDeleted{RoomID: stream, Pos: model.Position{Stream: stream, Seq: seq, Epoch: epoch}}
	}
	out := d.Filter([]model.Event{at("r", 5, "e"), at("r", 6, "e"), at("r", 6, "e"), at("r", 9, "e"), at("s", 3, "e"), at("r", 2, "f")})
	var seqs []int64
	for _, e := range out {
		p, _ := model.PositionOf(e)
		seqs = append(seqs, p.Seq)
	}
	if !slices.Equal(seqs, []int64{5, 6, 9, 3, 2}) {
		t.Fatalf("kept %v", seqs)
	}
	// The first event of a stream (5, 3) or of a new epoch (2) is no gap.
	if len(gaps) != 1 || gaps[0] != (bus.Gap{Stream: "r", Epoch: "e", After: 6, Next: 9}) {
		t.Fatalf("gaps = %+v", gaps)
	}
}

// BenchmarkMemory measures the in-process bus.
//
//	go test ./bus -run '^$' -bench Memory -count 3
func BenchmarkMemory(b *testing.B) {
	b.Run("Latency", func(b *testing.B) {
		m := bus.NewMemory(0)
		defer m.Close()
		bustest.BenchLatency(b, m, m)
	})
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("Throughput/batch=%d", batch), func(b *testing.B) {
			m := bus.NewMemory(0)
			defer m.Close()
			bustest.BenchThroughput(b, m, m, batch)
		})
	}
}
