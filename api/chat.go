package api

import (
	"liftoff/chat"
	"liftoff/model"
)

func (s *Server) chatRoutes(rt *Router) {
	rt.Post("chat.postMessage", s.postMessage, Method("sendMessage"), refusedIn400)
	rt.Post("chat.sendMessage", s.sendMessage, Method("sendMessage"), refusedIn400)
}

// postMessage is the simple form: roomId or channel ("#name", "@username"
// or a name), text, alias, emoji, avatar, attachments.
func (s *Server) postMessage(r *Request) (any, error) {
	roomID, err := r.String("roomId")
	if err != nil {
		return nil, err
	}
	channel, err := r.String("channel")
	if err != nil {
		return nil, err
	}
	if roomID == "" && channel == "" {
		return nil, model.Invalid("error-invalid-params", "The 'roomId' or 'channel' param is required")
	}
	var in struct {
		Text        string           `json:"text"`
		Msg         string           `json:"msg"`
		Alias       string           `json:"alias"`
		Emoji       string           `json:"emoji"`
		Avatar      string           `json:"avatar"`
		ThreadID    string           `json:"tmid"`
		Attachments []map[string]any `json:"attachments"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Text == "" {
		in.Text = in.Msg
	}
	if roomID == "" {
		room, err := s.rooms.ResolveChannel(r.Context(), r.User, channel)
		if err != nil {
			return nil, err
		}
		roomID = room.ID
	}
	msg, err := s.messages.SendMessage(r.Context(), r.User, chat.SendInput{
		RoomID: roomID, Msg: in.Text, Alias: in.Alias, Emoji: in.Emoji, Avatar: in.Avatar,
		ThreadID: in.ThreadID, Attachments: in.Attachments,
	})
	if err != nil {
		return nil, err
	}
	out := M{"ts": s.cfg.Now().UnixMilli(), "message": msg}
	if channel != "" {
		out["channel"] = channel
	} else {
		out["channel"] = roomID
	}
	return out, nil
}

// sendMessage takes a whole message object, with an optional client-chosen _id.
func (s *Server) sendMessage(r *Request) (any, error) {
	var in struct {
		Message *struct {
			ID           string                     `json:"_id"`
			RoomID       string                     `json:"rid"`
			Msg          string                     `json:"msg"`
			ThreadID     string                     `json:"tmid"`
			ShowInRoom   bool                       `json:"tshow"`
			Alias        string                     `json:"alias"`
			Emoji        string                     `json:"emoji"`
			Avatar       string                     `json:"avatar"`
			Groupable    *bool                      `json:"groupable"`
			Attachments  []map[string]any           `json:"attachments"`
			CustomFields map[string]any             `json:"customFields"`
			Bot          map[string]any             `json:"bot"`
			Reactions    map[string]*model.Reaction `json:"reactions"`
			Type         string                     `json:"t"`
			E2E          string                     `json:"e2e"`
			Content      *model.EncryptedContent    `json:"content"`
		} `json:"message"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	if in.Message == nil {
		return nil, model.ErrMissingParam("message")
	}
	m := in.Message
	if m.RoomID == "" {
		return nil, model.Invalid("error-invalid-params", "The 'message.rid' param is required")
	}
	msg, err := s.messages.SendMessage(r.Context(), r.User, chat.SendInput{
		ID: m.ID, RoomID: m.RoomID, Msg: m.Msg, ThreadID: m.ThreadID, ShowInRoom: m.ShowInRoom, Alias: m.Alias, Emoji: m.Emoji,
		Avatar: m.Avatar, Groupable: m.Groupable, Attachments: m.Attachments, CustomFields: m.CustomFields, Reactions: m.Reactions,
		Bot: model.BotMarker(r.User, m.Bot), Type: m.Type, E2E: m.E2E, Content: m.Content,
	})
	if err != nil {
		return nil, err
	}
	return M{"message": msg}, nil
}
