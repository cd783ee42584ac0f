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
