package ddpapi

import (
	"context"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/realtime"
)

// cleanRoomHistoryParam is cleanRoomHistory's single argument. Pointers
// tell absent fields from false ones, since the defaults differ.
type cleanRoomHistoryParam struct {
	RoomID           *string     `json:"roomId"`
	Latest           *model.Time `json:"latest"`
	Oldest           *model.Time `json:"oldest"`
	Inclusive        *bool       `json:"inclusive"`
	Limit            *int        `json:"limit"`
	ExcludePinned    *bool       `json:"excludePinned"`
	IgnoreDiscussion *bool       `json:"ignoreDiscussion"`
	FilesOnly        *bool       `json:"filesOnly"`
	FromUsers        []string    `json:"fromUsers"`
	IgnoreThreads    *bool       `json:"ignoreThreads"`
}

// cleanRoomHistory({roomId, latest, oldest, inclusive = true, limit,
// excludePinned = false, ignoreDiscussion = true, filesOnly = false,
// fromUsers = [], ignoreThreads = false}) removes the room's messages in
// the range and returns how many it removed.
func (m *methods) cleanRoomHistory(ctx context.Context, call *realtime.Call) (any, error) {
	p, ok, err := Param[cleanRoomHistoryParam](call, 0)
	if err != nil || !ok {
		return nil, MatchFailed("params")
	}
	switch {
	case p.RoomID == nil:
		return nil, MatchFailed("roomId")
	case p.Latest == nil:
		return nil, MatchFailed("latest")
	case p.Oldest == nil:
		return nil, MatchFailed("oldest")
	}
	flag := func(b *bool, def bool) bool {
		if b == nil {
			return def
		}
		return *b
	}
	in := chat.PruneInput{
		RoomID: *p.RoomID, Latest: *p.Latest, Oldest: *p.Oldest,
		Inclusive:        flag(p.Inclusive, true),
		ExcludePinned:    flag(p.ExcludePinned, false),
		IgnoreDiscussion: flag(p.IgnoreDiscussion, true),
		FilesOnly:        flag(p.FilesOnly, false),
		IgnoreThreads:    flag(p.IgnoreThreads, false),
		Usernames:        p.FromUsers,
	}
	if p.Limit != nil {
		in.Limit = *p.Limit
	}
	return m.messages.PruneMessages(ctx, call.User(), in)
}
