package model

import (
	"testing"
	"time"
)

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
