package api

import (
	"encoding/json"

	"liftoff/chat"
	"liftoff/model"
)

// discussionRoutes registers Rocket.Chat's discussion endpoints.
func (s *Server) discussionRoutes(rt *Router) {
	rt.Post("rooms.createDiscussion", s.createDiscussion, Method("DiscussionCreation"))
	rt.Get("rooms.getDiscussions", s.roomDiscussions)
	rt.Get("chat.getDiscussions", s.discussionMessages, refusedIn400)
}

// discussionSortFields are the sort fields rooms.getDiscussions accepts.
var discussionSortFields = []string{"fname", "name", "ts", "_updatedAt", "usersCount", "msgs", "lm"}

func (s *Server) createDiscussion(r *Request) (any, error) {
	var in chat.DiscussionInput
	var err error
	if in.ParentRoomID, err = r.String("prid"); err != nil {
		return nil, err
	}
	if in.ParentRoomID == "" {
		return nil, failure("Body parameter \"prid\" is required.")
	}
	if in.Name, err = r.String("t_name"); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, failure("Body parameter \"t_name\" is required.")
	}
	if raw := r.Raw("users"); raw != nil && string(raw) != "null" {
		var users []any
		if json.Unmarshal(raw, &users) != nil {
			return nil, failure("Body parameter \"users\" must be an array.")
		}
		for _, u := range users { // Rocket.Chat keeps the truthy entries
			if name, ok := u.(string); ok && name != "" {
				in.Users = append(in.Users, name)
			}
		}
	}
	if raw := r.Raw("encrypted"); raw != nil {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, failure("Body parameter \"encrypted\" must be a boolean when included.")
		}
		in.Encrypted = &b
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"pmid", &in.ParentMessageID}, {"reply", &in.Reply}, {"topic", &in.Topic}} {
		if *p.dst, err = r.String(p.name); err != nil {
			return nil, err
		}
	}
	d, err := s.teams.CreateDiscussion(r.Context(), r.User, in)
	if err != nil {
		return nil, err
	}
	return M{"discussion": roomWithRID{Room: d.Room, RoomID: d.RoomID}}, nil
}

// roomDiscussions lists a room's discussions (rooms.getDiscussions).
func (s *Server) roomDiscussions(r *Request) (any, error) {
	room, err := s.anyRoom(r, false)
	if err != nil {
		return nil, err
	}
	p, err := r.Page([]model.SortKey{{Field: "fname"}}, discussionSortFields...)
	if err != nil {
		return nil, err
	}
	rooms, total, err := s.teams.Discussions(r.Context(), r.User, room, p)
	if err != nil {
		return nil, err
	}
	if rooms == nil {
		rooms = []*model.Room{}
	}
	return paged("discussions", rooms, len(rooms), p, total), nil
}

// discussionMessages lists the messages of a room that link to its
// discussions (chat.getDiscussions).
func (s *Server) discussionMessages(r *Request) (any, error) {
	roomID, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	if roomID == "" {
		return nil, model.Invalid("error-invalid-params", "The required \"roomId\" query param is missing.")
	}
	text, err := r.String("text")
	if err != nil {
		return nil, err
	}
	p, err := r.Page(newestFirst, messageSortFields...)
	if err != nil {
		return nil, err
	}
	msgs, total, err := s.teams.DiscussionMessages(r.Context(), r.User, roomID, text, p)
	if err != nil {
		return nil, err
	}
	return paged("messages", nonNilMessages(msgs), len(msgs), p, total), nil
}
