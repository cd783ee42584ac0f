package bus

import (
	"sync"

	"liftoff/model"
)

// Gap reports events a receiver never got: in Stream, whose last event
// seen was at After, the next one seen is at Next (> After+1).
type Gap struct {
	Stream string
	Epoch  string
	After  int64
	Next   int64
}

// Deduplicator drops events delivered again: with at-least-once delivery
// (the PostgreSQL outbox publishes again what it could not confirm), an
// event may arrive twice, and its position (model.Position) tells. It
// remembers, per stream, the epoch and the last sequence number seen: an
// event of the same epoch at or below it is a duplicate. A jump forward is
// a gap: the event is kept, and the gap reported. Events without a
// position always pass. Safe for concurrent use.
type Deduplicator struct {
	mu      sync.Mutex
	streams map[string]streamState
	onGap   func(Gap)
}

type streamState struct {
	epoch string
	last  int64
}

// NewDeduplicator returns a Deduplicator calling onGap (which may be nil)
// for every gap it sees.
func NewDeduplicator(onGap func(Gap)) *Deduplicator {
	return &Deduplicator{streams: map[string]streamState{}, onGap: onGap}
}

// Filter returns events without the duplicates, in order, in the backing
// array of events (which the caller must not use afterwards).
func (d *Deduplicator) Filter(events []model.Event) []model.Event {
	var gaps []Gap
	d.mu.Lock()
	out := events[:0]
	for _, e := range events {
		p, ok := model.PositionOf(e)
		if !ok || p.IsZero() {
			out = append(out, e)
			continue
		}
		s, seen := d.streams[p.Stream]
		switch {
		case seen && s.epoch == p.Epoch && p.Seq <= s.last:
			continue // a duplicate
		case seen && s.epoch == p.Epoch && p.Seq > s.last+1:
			gaps = append(gaps, Gap{Stream: p.Stream, Epoch: p.Epoch, After: s.last, Next: p.Seq})
		}
		d.streams[p.Stream] = streamState{epoch: p.Epoch, last: p.Seq}
		out = append(out, e)
	}
	d.mu.Unlock()
	if d.onGap != nil {
		for _, g := range gaps {
			d.onGap(g)
		}
	}
	clear(events[len(out):])
	return out
}
