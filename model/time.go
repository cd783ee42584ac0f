package model

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// isoLayout is the layout of JavaScript's Date.prototype.toISOString, which is
// how Rocket.Chat renders dates in its REST API.
const isoLayout = "2006-01-02T15:04:05.000Z"

// Time is an instant with millisecond precision, always in UTC.
// The zero Time means "not set"; tag optional fields with omitzero.
type Time struct{ time.Time }

// Now returns the current time truncated to milliseconds.
func Now() Time { return TimeOf(time.Now()) }

// TimeOf converts t to a Time, truncating to milliseconds.
func TimeOf(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{t.UTC().Truncate(time.Millisecond)}
}

// TimeFromMillis converts milliseconds since the Unix epoch to a Time.
func TimeFromMillis(ms int64) Time { return Time{time.UnixMilli(ms).UTC()} }

// Millis returns the instant as milliseconds since the Unix epoch (0 for the zero Time).
func (t Time) Millis() int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Ptr returns a pointer to a copy of t, or nil when t is zero.
func (t Time) Ptr() *Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// String renders the time as Rocket.Chat does in REST responses.
func (t Time) String() string { return string(appendISO(make([]byte, 0, len(isoLayout)), t.Time)) }

// MarshalJSON renders the ISO-8601 form with exactly three fractional digits.
func (t Time) MarshalJSON() ([]byte, error) {
	return t.AppendJSON(make([]byte, 0, len(isoLayout)+2)), nil
}

// AppendJSON appends what MarshalJSON returns to b.
func (t Time) AppendJSON(b []byte) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = appendISO(b, t.Time)
	return append(b, '"')
}

// appendISO appends t in isoLayout, as t.UTC().AppendFormat(b, isoLayout)
// does, without interpreting the layout: every message carries two or three
// times, and REST responses and stored documents format them all.
func appendISO(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, isoLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	digits := func(b []byte, n, width int) []byte {
		var d [4]byte
		for i := width - 1; i >= 0; i-- {
			d[i] = byte('0' + n%10)
			n /= 10
		}
		return append(b, d[:width]...)
	}
	b = digits(b, year, 4)
	b = append(b, '-')
	b = digits(b, int(month), 2)
	b = append(b, '-')
	b = digits(b, day, 2)
	b = append(b, 'T')
	b = digits(b, hour, 2)
	b = append(b, ':')
	b = digits(b, minute, 2)
	b = append(b, ':')
	b = digits(b, sec, 2)
	b = append(b, '.')
	b = digits(b, ms, 3)
	return append(b, 'Z')
}

// UnmarshalJSON accepts an ISO-8601 string, an EJSON {"$date": ms} object,
// a number of milliseconds, or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*t = Time{}
		return nil
	case b[0] == '"':
		if len(b) < 2 || b[len(b)-1] != '"' {
			return fmt.Errorf("invalid date %s", b)
		}
		s := string(b[1 : len(b)-1])
		p, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			var ok bool
			if p, ok = parseExtendedYear(s); !ok {
				return fmt.Errorf("invalid date %q", s)
			}
		}
		*t = TimeOf(p)
		return nil
	case b[0] == '{':
		var d struct {
			Date *float64 `json:"$date"`
		}
		if err := jsonUnmarshal(b, &d); err != nil || d.Date == nil {
			return fmt.Errorf("invalid EJSON date %s", b)
		}
		*t = TimeFromMillis(int64(*d.Date))
		return nil
	default:
		var ms float64
		if err := jsonUnmarshal(b, &ms); err != nil {
			return fmt.Errorf("invalid date %s", b)
		}
		*t = TimeFromMillis(int64(ms))
		return nil
	}
}

// parseExtendedYear parses the ISO-8601 expanded form JavaScript uses for
// years outside 0000–9999 ("+275760-09-13T00:00:00.000Z" is the largest
// Date, "-271821-04-20T00:00:00.000Z" the smallest; clients send them as
// open range bounds).
func parseExtendedYear(s string) (time.Time, bool) {
	if len(s) < 8 || (s[0] != '+' && s[0] != '-') || s[7] != '-' {
		return time.Time{}, false
	}
	year, err := strconv.Atoi(s[1:7])
	if err != nil {
		return time.Time{}, false
	}
	if s[0] == '-' {
		year = -year
	}
	p, err := time.Parse(time.RFC3339Nano, "2000"+s[7:]) // a leap year: Feb 29 parses
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(year, p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), p.Nanosecond(), p.Location()), true
}
