package ddpapi

import (
	"context"

	"liftoff/chat"
	"liftoff/realtime"
)

// createDiscussionParam is createDiscussion's single argument.
type createDiscussionParam struct {
	ParentRoomID    string   `json:"prid"`
	ParentMessageID string   `json:"pmid"`
	Name            string   `json:"t_name"`
	Reply           string   `json:"reply"`
	Users           []string `json:"users"`
	Encrypted       *bool    `json:"encrypted"`
}

// createDiscussion({prid, pmid?, t_name, reply?, users?, encrypted?})
// starts a discussion and returns its room with its "rid".
func (m *methods) createDiscussion(ctx context.Context, call *realtime.Call) (any, error) {
	p, ok, err := Param[createDiscussionParam](call, 0)
	if err != nil || !ok {
		return nil, MatchFailed("params")
	}
	d, err := m.teams.CreateDiscussion(ctx, call.User(), chat.DiscussionInput{
		ParentRoomID: p.ParentRoomID, ParentMessageID: p.ParentMessageID, Name: p.Name, Reply: p.Reply, Users: p.Users, Encrypted: p.Encrypted,
	})
	if err != nil {
		return nil, err
	}
	return withRID(d.Room)
}
