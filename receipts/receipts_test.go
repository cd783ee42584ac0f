package receipts

import (
	"slices"
	"testing"
	"time"

	"liftoff/model"
)

func TestReadByAll(t *testing.T) {
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	at := func(min int) model.Time { return model.TimeOf(base.Add(time.Duration(min) * time.Minute)) }
	unread := []Unread{{ID: "a1", SentAt: at(1), AuthorID: "a"}, {ID: "b2", SentAt: at(2), AuthorID: "b"}, {ID: "a3", SentAt: at(3), AuthorID: "a"}}
	for _, tc := range []struct {
		name string
		seen map[string]model.Time
		want []string
	}{
		{"only the other sender read", map[string]model.Time{"a": at(9), "b": {}}, []string{"b2"}},
		{"nobody read", map[string]model.Time{"a": {}, "b": {}}, nil},
		{"the sender's own last seen does not count", map[string]model.Time{"a": {}, "b": at(3)}, []string{"a1", "a3"}},
		{"read at the message's time counts", map[string]model.Time{"a": at(2), "b": at(1)}, []string{"a1", "b2"}},
		{"the earliest other reader decides", map[string]model.Time{"a": at(9), "b": at(9), "c": at(2)}, []string{"a1", "b2"}},
		{"a sender alone", map[string]model.Time{"a": {}}, []string{"a1", "a3"}},
		{"no members", map[string]model.Time{}, []string{"a1", "b2", "a3"}},
	} {
		if got := ReadByAll(unread, tc.seen); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
