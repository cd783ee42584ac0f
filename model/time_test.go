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

func TestTimeUnmarshalJSON(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{`"2026-11-24T20:01:40.123Z"`, time.Date(2026, 11, 24, 20, 1, 40, 123e6, time.UTC), true},
		{`{"$date": 1764014500123}`, time.UnixMilli(1764014500123), true},
		{`1764014500123`, time.UnixMilli(1764014500123), true},
		{`null`, time.Time{}, true},
		{`"+275760-09-13T00:00:00.000Z"`, time.UnixMilli(8640000000000000), true},
		{`"-271821-04-20T00:00:00.000Z"`, time.UnixMilli(-8640000000000000), true},
		{`"+002024-02-29T12:00:00Z"`, time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), true},
		{`"yesterday"`, time.Time{}, false},
		{`"+27576x-09-13T00:00:00.000Z"`, time.Time{}, false},
		{`"+275760-13-13T00:00:00.000Z"`, time.Time{}, false},
		{`{"$date": "soon"}`, time.Time{}, false},
		{`"`, time.Time{}, false}, // an unterminated string (found by FuzzDecodeMessage)
		{`"2026-11-24`, time.Time{}, false},
	}
	for _, c := range cases {
		var got Time
		err := got.UnmarshalJSON([]byte(c.in))
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && !got.Time.Equal(c.want) {
			t.Errorf("%s: got %v, want %v", c.in, got.Time, c.want)
		}
	}
}
