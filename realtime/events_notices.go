package realtime

import (
	"strconv"

	"liftoff/model"
	"liftoff/realtime/ddp"
)

// onMessagesPruned sends <rid>/deleteMessageBulk with Rocket.Chat's
// description of what went: the time range as a Mongo-style query, the
// authors it was limited to and the removed ids.
func (h *hub) onMessagesPruned(ev *model.MessagesPruned) {
	if !h.hasRoomNotify(ev.RoomID, "deleteMessageBulk") {
		return
	}
	gt, lt := "$gt", "$lt"
	if ev.Inclusive {
		gt, lt = "$gte", "$lte"
	}
	users := ev.Usernames
	if users == nil {
		users = []string{}
	}
	payload := map[string]any{
		"rid":              ev.RoomID,
		"excludePinned":    ev.ExcludePinned,
		"ignoreDiscussion": ev.IgnoreDiscussion,
		"ts":               map[string]any{gt: ev.Oldest, lt: ev.Latest},
		"users":            users,
		"ids":              ev.IDs,
	}
	frame, err := ddp.StreamEvent(streamNotifyRoom, ev.RoomID+"/deleteMessageBulk", payload)
	if err != nil {
		h.encodeFailed("messages.pruned", err)
		return
	}
	h.deliverRoomNotify(&h.out, ev.RoomID, "deleteMessageBulk", frame, nil)
}

// onEphemeralMessage sends a notice to <uid>/message. Like Rocket.Chat,
// the server stamps it with a time and a time-based id on delivery; the
// message has no author (clients show it as from the server).
func (h *hub) onEphemeralMessage(ev *model.EphemeralMessage) {
	if !h.hasUserNotify(ev.UserID, "message") {
		return
	}
	now := h.srv.cfg.Now()
	msg := map[string]any{
		"groupable": false,
		"msg":       ev.Msg,
		"_id":       strconv.FormatInt(now.UnixMilli(), 10),
		"rid":       ev.RoomID,
		"ts":        now,
	}
	if ev.ThreadID != "" {
		msg["tmid"] = ev.ThreadID
	}
	if len(ev.Mentions) > 0 {
		msg["mentions"] = ev.Mentions
	}
	if len(ev.Blocks) > 0 {
		msg["blocks"] = ev.Blocks
	}
	if ev.Private {
		msg["private"] = true
	}
	frame, err := ddp.StreamEvent(streamNotifyUser, ev.UserID+"/message", msg)
	if err != nil {
		h.encodeFailed("message.ephemeral", err)
		return
	}
	h.deliverUserNotify(&h.out, ev.UserID, "message", frame)
}

// onDesktopNotification sends an in-app notification to <uid>/notification
// in Rocket.Chat's shape: {title, text, duration, payload: {_id, rid, tmid,
// sender, type, message: {msg, t}, name}}.
func (h *hub) onDesktopNotification(ev *model.DesktopNotification) {
	if !h.hasUserNotify(ev.UserID, "notification") {
		return
	}
	payload := map[string]any{
		"_id":     ev.MessageID,
		"rid":     ev.RoomID,
		"sender":  ev.Sender,
		"type":    ev.RoomType,
		"name":    ev.RoomName,
		"message": map[string]any{"msg": ev.Msg, "t": ev.MessageType},
	}
	if ev.ThreadID != "" {
		payload["tmid"] = ev.ThreadID
	}
	n := map[string]any{"title": ev.Title, "text": ev.Text, "duration": ev.Duration, "payload": payload}
	frame, err := ddp.StreamEvent(streamNotifyUser, ev.UserID+"/notification", n)
	if err != nil {
		h.encodeFailed("notification.desktop", err)
		return
	}
	h.deliverUserNotify(&h.out, ev.UserID, "notification", frame)
}
