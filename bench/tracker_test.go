package bench

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestIDsRoundTrip(t *testing.T) {
	tr, err := NewTracker("AbCdEf2", 200000, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int{0, 1, 54, 55, 3024, 199999} {
		id := tr.ID(seq)
		if len(id) != 17 || !strings.HasPrefix(id, "AbCdEf2") {
			t.Fatalf("id %q", id)
		}
		for _, c := range id {
			if !strings.ContainsRune(idAlphabet, c) {
				t.Fatalf("id %q has %q outside the alphabet", id, c)
			}
		}
		// As _id, as the text's first word, and behind a user _id.
		for _, args := range []string{
			`[{"_id":"` + id + `","rid":"R","msg":"x"}]`,
			`[{"_id":"serverChosenId123","msg":"` + id + ` padding"}]`,
			`[{"u":{"_id":"AbCdEf2zz"},"_id":"` + id + `"}]`,
		} {
			got, ok := tr.SeqOf([]byte(args))
			if !ok || got != seq {
				t.Fatalf("SeqOf(%s) = %d,%v want %d", args, got, ok, seq)
			}
		}
	}
	for _, args := range []string{`[{"_id":"OtherRun000000001"}]`, `[{"msg":"AbCdEf2"}]`, `[{"_id":"AbCdEf2zzzzzzzzzz"}]`} {
		if _, ok := tr.SeqOf([]byte(args)); ok {
			t.Errorf("SeqOf(%s) matched", args)
		}
	}
	if _, err := NewTracker("short", 1, nil); err == nil {
		t.Error("a short prefix must be refused")
	}
	if _, err := NewTracker("abc_def", 1, nil); err == nil {
		t.Error("a prefix outside the alphabet must be refused")
	}
}

// receipt is one delivery in a table test: message, room, slot.
type receipt struct{ seq, room, slot int }

func TestTrackerAccounting(t *testing.T) {
	rooms := []int{3, 70} // a second room wider than one bitset word
	all := func(seq, room int) []receipt {
		var r []receipt
		for s := range rooms[room] {
			r = append(r, receipt{seq, room, s})
		}
		return r
	}
	cat := func(rs ...[]receipt) []receipt {
		var out []receipt
		for _, r := range rs {
			out = append(out, r...)
		}
		return out
	}
	cases := []struct {
		name     string
		posts    []int // room of each message
		failed   []int
		receipts []receipt
		want     Delivery
		ok       bool
	}{
		{
			name:     "complete",
			posts:    []int{0, 1},
			receipts: cat(all(0, 0), all(1, 1)),
			want:     Delivery{Posted: 2, Expected: 73, Delivered: 73},
			ok:       true,
		},
		{
			name:     "one dropped delivery",
			posts:    []int{0, 1},
			receipts: cat(all(0, 0), all(1, 1)[:69]),
			want:     Delivery{Posted: 2, Expected: 73, Delivered: 72, Lost: 1, Incomplete: 1},
		},
		{
			name:     "dropped delivery in the first word of a wide room",
			posts:    []int{1},
			receipts: all(0, 1)[1:],
			want:     Delivery{Posted: 1, Expected: 70, Delivered: 69, Lost: 1, Incomplete: 1},
		},
		{
			name:     "message never delivered",
			posts:    []int{0, 0},
			receipts: all(0, 0),
			want:     Delivery{Posted: 2, Expected: 6, Delivered: 3, Lost: 3, Incomplete: 1},
		},
		{
			name:     "duplicated delivery",
			posts:    []int{0},
			receipts: cat(all(0, 0), []receipt{{0, 0, 2}}),
			want:     Delivery{Posted: 1, Expected: 3, Delivered: 3, Duplicates: 1},
		},
		{
			name:     "duplicate hides a loss in the counts but not in the bits",
			posts:    []int{0},
			receipts: []receipt{{0, 0, 0}, {0, 0, 1}, {0, 0, 1}},
			want:     Delivery{Posted: 1, Expected: 3, Delivered: 2, Lost: 1, Duplicates: 1, Incomplete: 1},
		},
		{
			name:     "delivery to the wrong room or slot",
			posts:    []int{0},
			receipts: cat(all(0, 0), []receipt{{0, 1, 0}, {0, 0, 3}, {5, 0, 0}}),
			want:     Delivery{Posted: 1, Expected: 3, Delivered: 3, Unexpected: 3},
			ok:       true,
		},
		{
			name:     "failed post is not expected",
			posts:    []int{0, 0},
			failed:   []int{1},
			receipts: all(0, 0),
			want:     Delivery{Posted: 2, Failed: 1, Expected: 3, Delivered: 3},
			ok:       true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTracker("RMNabc2", 8, rooms)
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Unix(1000, 0)
			for i, room := range tc.posts {
				seq, ok := tr.Reserve()
				if !ok || seq != i {
					t.Fatalf("reserve = %d,%v", seq, ok)
				}
				tr.Sent(seq, room, t0)
			}
			for _, f := range tc.failed {
				tr.Failed(f)
			}
			for i, r := range tc.receipts {
				tr.Deliver(r.seq, r.room, r.slot, t0.Add(time.Duration(i+1)*time.Millisecond))
			}
			got, last := tr.Result()
			if got != tc.want {
				t.Fatalf("result = %+v\nwant     %+v", got, tc.want)
			}
			if got.OK() != tc.ok {
				t.Fatalf("OK() = %v, want %v", got.OK(), tc.ok)
			}
			if tr.Outstanding() != tc.want.Expected-tc.want.Delivered {
				t.Fatalf("outstanding = %d", tr.Outstanding())
			}
			if uint64(tr.Latency.Count()) != uint64(tc.want.Delivered) {
				t.Fatalf("latency samples = %d, want %d", tr.Latency.Count(), tc.want.Delivered)
			}
			if tc.want.Delivered > 0 && last.Count() == 0 {
				t.Fatal("no last-delivery sample")
			}
		})
	}
}

func TestTrackerLatencyAndCapacity(t *testing.T) {
	tr, _ := NewTracker("RMNabc2", 2, []int{2})
	t0 := time.Unix(1000, 0)
	for range 2 {
		seq, _ := tr.Reserve()
		tr.Sent(seq, 0, t0)
	}
	if _, ok := tr.Reserve(); ok {
		t.Fatal("reserve beyond capacity")
	}
	tr.Deliver(0, 0, 0, t0.Add(2*time.Millisecond))
	tr.Deliver(0, 0, 1, t0.Add(8*time.Millisecond))
	tr.Deliver(1, 0, 0, t0.Add(4*time.Millisecond))
	tr.Deliver(1, 0, 1, t0.Add(6*time.Millisecond))
	if got := tr.Latency.Max(); got != 8*time.Millisecond {
		t.Fatalf("max latency = %v", got)
	}
	_, last := tr.Result()
	if last.Count() != 2 || last.Max() != 8*time.Millisecond || last.Quantile(0.5) > 6*time.Millisecond+6*time.Millisecond/64 {
		t.Fatalf("last-delivery histogram: n=%d max=%v p50=%v", last.Count(), last.Max(), last.Quantile(0.5))
	}
}

func TestTrackerConcurrentDuplicates(t *testing.T) {
	const members = 130
	tr, _ := NewTracker("RMNabc2", 50, []int{members})
	now := time.Now()
	for range 50 {
		seq, _ := tr.Reserve()
		tr.Sent(seq, 0, now)
	}
	// Two goroutines deliver everything: exactly one copy of each must count.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range 50 {
				for s := range members {
					tr.Deliver(seq, 0, s, now)
				}
			}
		}()
	}
	wg.Wait()
	d, _ := tr.Result()
	want := Delivery{Posted: 50, Expected: 50 * members, Delivered: 50 * members, Duplicates: 50 * members}
	if d != want {
		t.Fatalf("got %+v want %+v", d, want)
	}
	if fmt.Sprint(d.OK()) != "false" {
		t.Fatal("duplicates must fail the run")
	}
}
