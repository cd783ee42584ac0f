package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendISOMatchesAppendFormat(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(2026, 11, 25, 21, 19, 9, 397_654_321, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(9, 1, 2, 3, 4, 5, 6_000_000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 2, 30, 0, 0, time.FixedZone("x", 3600+1800)),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		times = append(times, time.UnixMilli(rng.Int64N(1<<45)-1<<44).Add(time.Duration(rng.IntN(1e6))))
	}
	for _, tm := range times {
		want := tm.UTC().AppendFormat(nil, isoLayout)
		if got := appendISO(nil, tm); string(got) != string(want) {
			t.Fatalf("appendISO(%v) = %s, want %s", tm, got, want)
		}
	}
}
