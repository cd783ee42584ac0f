package rcclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Time is an instant as Rocket.Chat sends it: an ISO-8601 string in REST,
// EJSON {"$date": ms} in DDP, or a bare number of milliseconds. It always
// encodes as EJSON, the form DDP methods expect as parameters.
type Time struct{ time.Time }

// TimeOf wraps t.
func TimeOf(t time.Time) Time { return Time{t} }

// MarshalJSON encodes the instant as EJSON {"$date": ms}; the zero Time
// encodes as null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 24)
	b = append(b, `{"$date":`...)
	b = strconv.AppendInt(b, t.UnixMilli(), 10)
	return append(b, '}'), nil
}

// UnmarshalJSON accepts an ISO-8601 string, {"$date": ms} or a number of
// milliseconds since the Unix epoch; null leaves the zero Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		t.Time = time.Time{}
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode date string: %w", err)
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("decode date %q: %w", s, err)
		}
		t.Time = v
		return nil
	case b[0] == '{':
		var d struct {
			Date *json.Number `json:"$date"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("decode EJSON date: %w", err)
		}
		if d.Date == nil {
			return fmt.Errorf("decode EJSON date: no $date in %s", b)
		}
		return t.setMillis(string(*d.Date))
	default:
		return t.setMillis(string(b))
	}
}

func (t *Time) setMillis(s string) error {
	ms, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("decode date millis %q: %w", s, err)
	}
	t.Time = time.UnixMilli(int64(ms)).UTC()
	return nil
}

// UserRef is the short user reference embedded in messages and rooms.
type UserRef struct {
	ID       string `json:"_id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
}

// Message is the subset of Rocket.Chat's IMessage the client uses.
type Message struct {
	ID        string   `json:"_id,omitempty"`
	RoomID    string   `json:"rid"`
	Msg       string   `json:"msg"`
	TS        Time     `json:"ts,omitzero"`
	User      *UserRef `json:"u,omitempty"`
	UpdatedAt Time     `json:"_updatedAt,omitzero"`
	EditedAt  Time     `json:"editedAt,omitzero"`
	TMID      string   `json:"tmid,omitempty"`
	Type      string   `json:"t,omitempty"`
}

// Room is the subset of Rocket.Chat's IRoom the client uses.
type Room struct {
	ID         string   `json:"_id"`
	Name       string   `json:"name,omitempty"`
	Type       string   `json:"t"`
	Msgs       int64    `json:"msgs"`
	UsersCount int64    `json:"usersCount"`
	Creator    *UserRef `json:"u,omitempty"`
}

// User is the subset of Rocket.Chat's IUser the client uses.
type User struct {
	ID       string   `json:"_id"`
	Username string   `json:"username"`
	Name     string   `json:"name,omitempty"`
	Status   string   `json:"status,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Active   bool     `json:"active"`
}

// Credentials identify a logged-in session: the user id and its auth
// (resume) token, usable both as REST headers and as a DDP resume token.
type Credentials struct {
	UserID string `json:"userId"`
	Token  string `json:"authToken"`
}
