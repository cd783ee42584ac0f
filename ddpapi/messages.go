package ddpapi

import (
	"context"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/realtime"
)

// messageParam is the message object of sendMessage, updateMessage and
// friends (IMessage's client-settable fields).
type messageParam struct {
	ID           string                  `json:"_id"`
	RoomID       string                  `json:"rid"`
	Msg          string                  `json:"msg"`
	ThreadID     string                  `json:"tmid"`
	ShowInRoom   bool                    `json:"tshow"`
	Alias        string                  `json:"alias"`
	Emoji        string                  `json:"emoji"`
	Avatar       string                  `json:"avatar"`
	Groupable    *bool                   `json:"groupable"`
	Attachments  []map[string]any        `json:"attachments"`
	CustomFields map[string]any          `json:"customFields"`
	Starred      *bool                   `json:"starred"`
	Bot          map[string]any          `json:"bot"`
	Type         string                  `json:"t"`
	E2E          string                  `json:"e2e"`
	Content      *model.EncryptedContent `json:"content"`
}

func messageArg(call *realtime.Call, method string) (*messageParam, error) {
	m, ok, err := Param[messageParam](call, 0)
	if err != nil || !ok {
		return nil, MatchFailed("message")
	}
	return &m, nil
}

// sendMessage(message) posts a message and returns it as stored.
func (m *methods) sendMessage(ctx context.Context, call *realtime.Call) (any, error) {
	msg, err := messageArg(call, "sendMessage")
	if err != nil {
		return nil, err
	}
	return m.messages.SendMessage(ctx, call.User(), chat.SendInput{
		ID: msg.ID, RoomID: msg.RoomID, Msg: msg.Msg, ThreadID: msg.ThreadID, ShowInRoom: msg.ShowInRoom,
		Alias: msg.Alias, Emoji: msg.Emoji, Avatar: msg.Avatar, Groupable: msg.Groupable,
		Attachments: msg.Attachments, CustomFields: msg.CustomFields, Bot: model.BotMarker(call.User(), msg.Bot),
		Type: msg.Type, E2E: msg.E2E, Content: msg.Content,
	})
}

// roomOfMessage finds the room of a message the user may read, for the
// methods whose message parameter may leave rid out.
func (m *methods) roomOfMessage(ctx context.Context, user *model.User, msg *messageParam, notFound error) (string, error) {
	if msg.RoomID != "" {
		return msg.RoomID, nil
	}
	stored, err := m.messages.GetMessage(ctx, user, msg.ID)
	if err != nil {
		if e, ok := model.AsError(err); ok && e.Type == "error-message-not-found" {
			return "", notFound
		}
		return "", err
	}
	return stored.RoomID, nil
}

// updateMessage(message) edits a message's text (or, for an encrypted
// message, its content); it returns nothing.
func (m *methods) updateMessage(ctx context.Context, call *realtime.Call) (any, error) {
	msg, err := messageArg(call, "updateMessage")
	if err != nil {
		return nil, err
	}
	if msg.ID == "" {
		return nil, MatchFailed("message._id")
	}
	rid, err := m.roomOfMessage(ctx, call.User(), msg, model.Forbidden("error-action-not-allowed", "Not allowed").InMethod())
	if err != nil {
		return nil, err
	}
	_, err = m.messages.UpdateMessage(ctx, call.User(), chat.UpdateInput{RoomID: rid, MessageID: msg.ID, Text: msg.Msg, CustomFields: msg.CustomFields, Content: msg.Content})
	return nil, err
}

// deleteMessage({_id}) removes a message; it returns nothing.
func (m *methods) deleteMessage(ctx context.Context, call *realtime.Call) (any, error) {
	msg, err := messageArg(call, "deleteMessage")
	if err != nil {
		return nil, err
	}
	if msg.ID == "" {
		return nil, MatchFailed("message._id")
	}
	notFound := model.Forbidden("error-action-not-allowed", "Not allowed").WithDetails(map[string]any{"action": "Delete_message"}).InMethod()
	rid, err := m.roomOfMessage(ctx, call.User(), msg, notFound)
	if err != nil {
		return nil, err
	}
	_, err = m.messages.DeleteMessage(ctx, call.User(), chat.DeleteInput{RoomID: rid, MessageID: msg.ID})
	return nil, err
}

// setReaction(reaction, messageId, shouldReact?) toggles (or sets) the
// caller's reaction; it returns nothing.
func (m *methods) setReaction(ctx context.Context, call *realtime.Call) (any, error) {
	reaction, err := RequireString(call, 0, "reaction")
	if err != nil {
		return nil, err
	}
	messageID, err := RequireString(call, 1, "messageId")
	if err != nil {
		return nil, err
	}
	should, ok, err := Param[bool](call, 2)
	if err != nil {
		return nil, MatchFailed("shouldReact")
	}
	var shouldReact *bool
	if ok {
		shouldReact = &should
	}
	return nil, m.messages.React(ctx, call.User(), messageID, reaction, shouldReact)
}

// pinMessage(message) pins a message and returns the "message_pinned"
// system message.
func (m *methods) pinMessage(ctx context.Context, call *realtime.Call) (any, error) {
	msg, err := messageArg(call, "pinMessage")
	if err != nil {
		return nil, err
	}
	return m.messages.PinMessage(ctx, call.User(), msg.ID)
}

// unpinMessage(message) unpins a message and returns true.
func (m *methods) unpinMessage(ctx context.Context, call *realtime.Call) (any, error) {
	msg, err := messageArg(call, "unpinMessage")
	if err != nil {
		return nil, err
	}
	if err := m.messages.UnpinMessage(ctx, call.User(), msg.ID); err != nil {
		return nil, err
	}
	return true, nil
}

// starMessage({_id, rid, starred}) stars or unstars a message for the
// caller and returns true.
func (m *methods) starMessage(ctx context.Context, call *realtime.Call) (any, error) {
	msg, err := messageArg(call, "starMessage")
	if err != nil {
		return nil, err
	}
	if msg.Starred == nil {
		return nil, MatchFailed("message.starred")
	}
	if err := m.messages.StarMessage(ctx, call.User(), msg.ID, *msg.Starred); err != nil {
		return nil, err
	}
	return true, nil
}

// readMessages(rid, readThreads?) marks a room read; it returns nothing.
func (m *methods) readMessages(ctx context.Context, call *realtime.Call) (any, error) {
	rid, err := RequireString(call, 0, "rid")
	if err != nil {
		return nil, err
	}
	readThreads, _, err := Param[bool](call, 1)
	if err != nil {
		return nil, MatchFailed("readThreads")
	}
	return nil, m.members.MarkRead(ctx, call.User(), rid, readThreads)
}

// unreadMessages(firstUnreadMessage?, room?) marks a room unread from a
// message (or from its last message); it returns nothing.
func (m *methods) unreadMessages(ctx context.Context, call *realtime.Call) (any, error) {
	first, _, err := Param[messageParam](call, 0)
	if err != nil {
		return nil, MatchFailed("firstUnreadMessage")
	}
	room, _, err := Param[string](call, 1)
	if err != nil {
		return nil, MatchFailed("room")
	}
	if first.ID == "" && room == "" {
		return nil, model.Forbidden("error-action-not-allowed", "Not allowed").WithDetails(map[string]any{"action": "Unread_messages"}).InMethod()
	}
	return nil, m.members.MarkUnread(ctx, call.User(), room, first.ID)
}

// getSingleMessage(mid) returns one message the caller may read.
func (m *methods) getSingleMessage(ctx context.Context, call *realtime.Call) (any, error) {
	id, err := RequireString(call, 0, "msgId")
	if err != nil {
		return nil, err
	}
	return m.messages.GetMessage(ctx, call.User(), id)
}
