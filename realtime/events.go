package realtime

import (
	"encoding/json"
	"slices"

	"liftoff/model"
	"liftoff/realtime/ddp"
)

// statusCode maps a visible status to Rocket.Chat's presence code.
func statusCode(status string) int {
	switch status {
	case model.StatusOnline:
		return 1
	case model.StatusAway:
		return 2
	case model.StatusBusy:
		return 3
	default:
		return 0
	}
}

// handleEvents turns a batch of domain events into stream frames. It runs
// on the bus subscriber's goroutine, one batch at a time, in publish order;
// every frame is encoded once and the same bytes are queued to all
// recipients. Sessions' writers start once the batch is queued (or after
// maxBatchFrames frames), so each connection gets the batch's frames in
// one write.
func (h *hub) handleEvents(events []model.Event) {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	for _, e := range events {
		h.dispatch(e)
		if h.out.frames >= maxBatchFrames {
			h.out.flush()
		}
	}
	h.out.flush()
}

// handleEvent handles a batch of one event.
func (h *hub) handleEvent(e model.Event) {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	h.dispatch(e)
	h.out.flush()
}

// dispatch queues one event's frames into h.out. Events may arrive as
// values or pointers.
func (h *hub) dispatch(e model.Event) {
	switch ev := e.(type) {
	case model.MessageSaved:
		h.onMessageSaved(&ev)
	case *model.MessageSaved:
		h.onMessageSaved(ev)
	case model.MessageDeleted:
		h.onMessageDeleted(&ev)
	case *model.MessageDeleted:
		h.onMessageDeleted(ev)
	case model.MessagesPruned:
		h.onMessagesPruned(&ev)
	case *model.MessagesPruned:
		h.onMessagesPruned(ev)
	case model.EphemeralMessage:
		h.onEphemeralMessage(&ev)
	case *model.EphemeralMessage:
		h.onEphemeralMessage(ev)
	case model.DesktopNotification:
		h.onDesktopNotification(&ev)
	case *model.DesktopNotification:
		h.onDesktopNotification(ev)
	case model.RoomChanged:
		h.onRoomChanged(&ev)
	case *model.RoomChanged:
		h.onRoomChanged(ev)
	case model.SubscriptionChanged:
		h.onSubscriptionChanged(&ev)
	case *model.SubscriptionChanged:
		h.onSubscriptionChanged(ev)
	case model.UserChanged:
		h.onUserChanged(&ev)
	case *model.UserChanged:
		h.onUserChanged(ev)
	case model.UserDeleted:
		h.onUserDeleted(&ev)
	case *model.UserDeleted:
		h.onUserDeleted(ev)
	case model.LoginTokensRemoved:
		h.onLoginTokensRemoved(&ev)
	case *model.LoginTokensRemoved:
		h.onLoginTokensRemoved(ev)
	case model.PresenceChanged:
		h.onPresenceChanged(&ev)
	case *model.PresenceChanged:
		h.onPresenceChanged(ev)
	case model.RoleChanged:
		h.onRoleChanged(&ev)
	case *model.RoleChanged:
		h.onRoleChanged(ev)
	case model.PermissionChanged:
		h.onPermissionChanged(&ev)
	case *model.PermissionChanged:
		h.onPermissionChanged(ev)
	case model.SettingChanged:
		h.onSettingChanged(&ev)
	case *model.SettingChanged:
		h.onSettingChanged(ev)
	case model.EmojiChanged:
		h.onEmojiChanged(&ev)
	case *model.EmojiChanged:
		h.onEmojiChanged(ev)
	case model.E2EKeyRequest:
		h.onE2EKeyRequest(&ev)
	case *model.E2EKeyRequest:
		h.onE2EKeyRequest(ev)
	case model.InviteCreated:
		h.onInviteCreated(&ev)
	case *model.InviteCreated:
		h.onInviteCreated(ev)
	case model.CustomUserStatusChanged:
		h.onCustomUserStatusChanged(&ev)
	case *model.CustomUserStatusChanged:
		h.onCustomUserStatusChanged(ev)
	case model.UserActivity:
		h.onUserActivity(&ev)
	case *model.UserActivity:
		h.onUserActivity(ev)
	}
}

func (h *hub) encodeFailed(what string, err error) {
	h.srv.cfg.Logger.Error("realtime: encoding event", "event", what, "err", err)
}

// onMessageSaved delivers a new or changed message on the room's stream
// and on members' __my_messages__, and a desktop notification to the users
// listed in Notify.
func (h *hub) onMessageSaved(ev *model.MessageSaved) {
	m := ev.Message
	if m == nil || m.Hidden || m.RoomID == "" {
		return
	}
	direct, my := h.roomListeners(m.RoomID)
	notify := ev.Created && len(ev.Notify) > 0 && !h.srv.cfg.ExternalNotifications
	if !direct && !my && !notify {
		return
	}
	msg, err := ddp.Marshal(m)
	if err != nil {
		h.encodeFailed("message.saved", err)
		return
	}
	raw := json.RawMessage(msg)
	var frame, myFrame []byte
	if direct {
		if frame, err = ddp.StreamEvent(streamRoomMessages, m.RoomID, raw); err != nil {
			h.encodeFailed("message.saved", err)
			return
		}
	}
	if my {
		// Rocket.Chat adds what the client needs to place the message.
		extra := map[string]any{"roomParticipant": true, "roomType": ev.RoomType, "roomName": ev.RoomName}
		if myFrame, err = ddp.StreamEvent(streamRoomMessages, eventMyMessages, raw, extra); err != nil {
			h.encodeFailed("message.saved", err)
			return
		}
	}
	if direct || my {
		h.deliverRoomMessages(&h.out, m.RoomID, frame, myFrame)
	}
	if notify {
		h.notifyUsers(ev, m)
	}
}

// notification is Rocket.Chat's desktop notification payload.
type notification struct {
	Title   string              `json:"title"`
	Text    string              `json:"text"`
	Payload notificationPayload `json:"payload"`
}

type notificationPayload struct {
	ID       string              `json:"_id"`
	RoomID   string              `json:"rid"`
	ThreadID string              `json:"tmid,omitempty"`
	Sender   model.UserRef       `json:"sender"`
	Type     string              `json:"type"`
	Name     string              `json:"name,omitempty"`
	Message  notificationMessage `json:"message"`
}

type notificationMessage struct {
	Msg  string `json:"msg"`
	Type string `json:"t,omitempty"`
}

func (h *hub) notifyUsers(ev *model.MessageSaved, m *model.Message) {
	var payload json.RawMessage
	for _, uid := range ev.Notify {
		if uid == "" || uid == m.Author.ID || !h.hasUserNotify(uid, "notification") {
			continue
		}
		if payload == nil {
			n := notification{
				Payload: notificationPayload{
					ID: m.ID, RoomID: m.RoomID, ThreadID: m.ThreadID, Sender: m.Author, Type: ev.RoomType, Name: ev.RoomName,
					Message: notificationMessage{Msg: m.Msg, Type: m.Type},
				},
			}
			sender := m.Author.Username
			if ev.RoomType == model.RoomDirect {
				n.Title, n.Text = sender, m.Msg
				n.Payload.Name = sender
			} else {
				n.Title, n.Text = "#"+ev.RoomName, sender+": "+m.Msg
			}
			b, err := ddp.Marshal(n)
			if err != nil {
				h.encodeFailed("notification", err)
				return
			}
			payload = b
		}
		frame, err := ddp.StreamEvent(streamNotifyUser, uid+"/notification", payload)
		if err != nil {
			h.encodeFailed("notification", err)
			return
		}
		h.deliverUserNotify(&h.out, uid, "notification", frame)
	}
}

func (h *hub) onMessageDeleted(ev *model.MessageDeleted) {
	if !h.hasRoomNotify(ev.RoomID, "deleteMessage") {
		return
	}
	frame, err := ddp.StreamEvent(streamNotifyRoom, ev.RoomID+"/deleteMessage", map[string]any{"_id": ev.MessageID})
	if err != nil {
		h.encodeFailed("message.deleted", err)
		return
	}
	h.deliverRoomNotify(&h.out, ev.RoomID, "deleteMessage", frame, nil)
}

// onRoomChanged sends [action, room] to the members' <uid>/rooms-changed.
// The room is encoded once; only the event name differs per user.
func (h *hub) onRoomChanged(ev *model.RoomChanged) {
	if ev.Room == nil || ev.Room.ID == "" {
		return
	}
	room, err := ddp.Marshal(ev.Room)
	if err != nil {
		h.encodeFailed("room.changed", err)
		return
	}
	tmpl, err := ddp.NewStreamTemplate(streamNotifyUser, ev.Action, json.RawMessage(room))
	if err != nil {
		h.encodeFailed("room.changed", err)
		return
	}
	h.deliverRoomsChanged(&h.out, ev.Room.ID, func(uid string) []byte {
		return tmpl.Frame(uid, "/"+eventRoomsChanged)
	})
}

// onSubscriptionChanged keeps the membership index current (a removal
// stops the room's events at once) and sends [action, subscription] to the
// user's <uid>/subscriptions-changed.
func (h *hub) onSubscriptionChanged(ev *model.SubscriptionChanged) {
	sub := ev.Subscription
	if sub == nil || sub.User.ID == "" || sub.RoomID == "" {
		return
	}
	uid := sub.User.ID
	switch ev.Action {
	case model.ActionInserted:
		h.memberAdded(uid, sub.RoomID)
	case model.ActionRemoved:
		h.memberRemoved(uid, sub.RoomID)
	}
	if !h.hasUserNotify(uid, "subscriptions-changed") {
		return
	}
	var doc any = sub
	if ev.Action == model.ActionRemoved {
		doc = map[string]any{"_id": sub.ID, "u": sub.User, "rid": sub.RoomID, "t": sub.RoomType}
	}
	frame, err := ddp.StreamEvent(streamNotifyUser, uid+"/subscriptions-changed", ev.Action, doc)
	if err != nil {
		h.encodeFailed("subscription.changed", err)
		return
	}
	h.deliverUserNotify(&h.out, uid, "subscriptions-changed", frame)
}

// onUserChanged announces name and avatar changes to logged-in clients and
// refreshes the user held by the user's own sessions.
func (h *hub) onUserChanged(ev *model.UserChanged) {
	u := ev.User
	if u == nil || u.ID == "" {
		return
	}
	for _, s := range h.sessionsOf(u.ID) {
		if w := s.who.Load(); w != nil && w.user != nil && w.user.ID == u.ID {
			s.who.CompareAndSwap(w, &identity{user: u, token: w.token, hash: w.hash})
		}
	}
	if slices.Contains(ev.Fields, "active") && !u.Active {
		for _, s := range h.sessionsOf(u.ID) {
			s.abort("user deactivated")
		}
	}
	if len(ev.Fields) > 0 && h.hasUserNotify(u.ID, "userData") {
		h.sendUserData(u, ev.Fields)
	}
	if (slices.Contains(ev.Fields, "name") || slices.Contains(ev.Fields, "username")) &&
		h.hasGlobal(streamNotifyLogged, "Users:NameChanged") {
		arg := map[string]any{"_id": u.ID, "name": u.Name, "username": u.Username}
		if f, err := ddp.StreamEvent(streamNotifyLogged, "Users:NameChanged", arg); err == nil {
			h.deliverGlobal(&h.out, streamNotifyLogged, "Users:NameChanged", f)
		} else {
			h.encodeFailed("user.changed", err)
		}
	}
	if slices.Contains(ev.Fields, "avatarETag") && h.hasGlobal(streamNotifyLogged, "updateAvatar") {
		arg := map[string]any{"username": u.Username, "etag": u.AvatarETag}
		if f, err := ddp.StreamEvent(streamNotifyLogged, "updateAvatar", arg); err == nil {
			h.deliverGlobal(&h.out, streamNotifyLogged, "updateAvatar", f)
		} else {
			h.encodeFailed("user.changed", err)
		}
	}
}

// sendUserData sends the user's own sessions subscribed to <uid>/userData
// the changed fields of their record, as Rocket.Chat's
// {type: "updated", id, diff, unset}.
func (h *hub) sendUserData(u *model.User, fields []string) {
	b, err := json.Marshal(u)
	if err != nil {
		h.encodeFailed("user.changed", err)
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		h.encodeFailed("user.changed", err)
		return
	}
	diff, unset := map[string]any{}, map[string]any{}
	for _, f := range fields {
		if v, ok := doc[f]; ok {
			diff[f] = v
		} else {
			unset[f] = 1
		}
	}
	diff["_updatedAt"] = u.UpdatedAt
	arg := map[string]any{"type": "updated", "id": u.ID, "diff": diff, "unset": unset}
	if f, err := ddp.StreamEvent(streamNotifyUser, u.ID+"/userData", arg); err == nil {
		h.deliverUserNotify(&h.out, u.ID, "userData", f)
	} else {
		h.encodeFailed("user.changed", err)
	}
}

// onUserDeleted announces the deletion and closes the user's connections.
func (h *hub) onUserDeleted(ev *model.UserDeleted) {
	for _, s := range h.sessionsOf(ev.UserID) {
		s.abort("user deleted")
	}
	if !h.hasGlobal(streamNotifyLogged, "Users:Deleted") {
		return
	}
	arg := map[string]any{"userId": ev.UserID, "messageErasureType": "Delete"}
	if f, err := ddp.StreamEvent(streamNotifyLogged, "Users:Deleted", arg); err == nil {
		h.deliverGlobal(&h.out, streamNotifyLogged, "Users:Deleted", f)
	} else {
		h.encodeFailed("user.deleted", err)
	}
}

// onLoginTokensRemoved closes the connections that logged in with one of
// the removed tokens, as Meteor does when a login token disappears.
func (h *hub) onLoginTokensRemoved(ev *model.LoginTokensRemoved) {
	for _, s := range h.sessionsOf(ev.UserID) {
		if w := s.who.Load(); w != nil && w.hash != "" && slices.Contains(ev.Hashes, w.hash) {
			s.abort("login token removed")
		}
	}
}

// onPresenceChanged sends user-status to logged-in clients and the
// user-presence event to the user's watchers.
func (h *hub) onPresenceChanged(ev *model.PresenceChanged) {
	code := statusCode(ev.Status)
	if h.hasGlobal(streamNotifyLogged, "user-status") {
		arg := []any{ev.UserID, ev.Username, code, ev.StatusText}
		if f, err := ddp.StreamEvent(streamNotifyLogged, "user-status", arg); err == nil {
			h.deliverGlobal(&h.out, streamNotifyLogged, "user-status", f)
		} else {
			h.encodeFailed("presence.changed", err)
		}
	}
	if h.hasPresenceWatchers(ev.UserID) {
		// Rocket.Chat's presence stream uses the user id as document id
		// and event name, and carries [[username, status, statusText]].
		fields := map[string]any{
			"uid":       ev.UserID,
			"eventName": ev.UserID,
			"args":      []any{[]any{ev.Username, code, ev.StatusText}},
		}
		if f, err := ddp.Changed(streamUserPresence, ev.UserID, fields); err == nil {
			h.deliverPresence(&h.out, ev.UserID, f)
		} else {
			h.encodeFailed("presence.changed", err)
		}
	}
}

func (h *hub) onRoleChanged(ev *model.RoleChanged) {
	if ev.UserID == "" && h.hasGlobal(streamRoles, "roles") {
		// A role defined, changed or removed: Rocket.Chat's stream-roles
		// "roles" event carries the role with the type of change.
		arg := map[string]any{"type": ev.Type, "_id": ev.RoleID, "name": ev.RoleID}
		if r := ev.Role; r != nil {
			arg["name"], arg["scope"], arg["description"] = r.Name, r.Scope, r.Description
			arg["protected"], arg["mandatory2fa"], arg["_updatedAt"] = r.Protected, r.Mandatory2FA, r.UpdatedAt
		}
		if f, err := ddp.StreamEvent(streamRoles, "roles", arg); err == nil {
			h.deliverGlobal(&h.out, streamRoles, "roles", f)
		} else {
			h.encodeFailed("role.changed", err)
		}
	}
	if !h.hasGlobal(streamNotifyLogged, "roles-change") {
		return
	}
	arg := map[string]any{"type": ev.Type, "_id": ev.RoleID}
	if ev.UserID != "" {
		arg["u"] = map[string]any{"_id": ev.UserID, "username": ev.Username}
	}
	if ev.Scope != "" {
		arg["scope"] = ev.Scope
	}
	if f, err := ddp.StreamEvent(streamNotifyLogged, "roles-change", arg); err == nil {
		h.deliverGlobal(&h.out, streamNotifyLogged, "roles-change", f)
	} else {
		h.encodeFailed("role.changed", err)
	}
}

func (h *hub) onPermissionChanged(ev *model.PermissionChanged) {
	if ev.Permission == nil || !h.hasGlobal(streamNotifyLogged, "permissions-changed") {
		return
	}
	if f, err := ddp.StreamEvent(streamNotifyLogged, "permissions-changed", model.ActionUpdated, ev.Permission); err == nil {
		h.deliverGlobal(&h.out, streamNotifyLogged, "permissions-changed", f)
	} else {
		h.encodeFailed("permission.changed", err)
	}
}

// onSettingChanged sends public settings to everyone (public-settings-changed
// and its public-info wrapper) and every setting to privileged subscribers.
func (h *hub) onSettingChanged(ev *model.SettingChanged) {
	st := ev.Setting
	if st == nil || st.Hidden {
		return
	}
	value := map[string]any{"_id": st.ID, "value": st.Value}
	emit := func(collection, event string, args ...any) {
		if !h.hasGlobal(collection, event) {
			return
		}
		if f, err := ddp.StreamEvent(collection, event, args...); err == nil {
			h.deliverGlobal(&h.out, collection, event, f)
		} else {
			h.encodeFailed("setting.changed", err)
		}
	}
	if st.Public {
		emit(streamNotifyAll, "public-settings-changed", model.ActionUpdated, value)
		emit(streamNotifyAll, "public-info", "public-settings-changed", []any{model.ActionUpdated, value})
	}
	emit(streamNotifyLogged, "private-settings-changed", model.ActionUpdated, value)
}

// onEmojiChanged sends updateEmojiCustom / deleteEmojiCustom to logged-in
// subscribers of stream-notify-logged, with {emojiData} as Rocket.Chat.
func (h *hub) onEmojiChanged(ev *model.EmojiChanged) {
	e := ev.Emoji
	if e == nil {
		return
	}
	event := "updateEmojiCustom"
	if ev.Action == model.ActionRemoved {
		event = "deleteEmojiCustom"
	}
	if !h.hasGlobal(streamNotifyLogged, event) {
		return
	}
	data := map[string]any{"_id": e.ID, "name": e.Name, "aliases": e.Aliases, "extension": e.Extension,
		"etag": e.ETag, "_updatedAt": e.UpdatedAt}
	if f, err := ddp.StreamEvent(streamNotifyLogged, event, map[string]any{"emojiData": data}); err == nil {
		h.deliverGlobal(&h.out, streamNotifyLogged, event, f)
	} else {
		h.encodeFailed("emoji.changed", err)
	}
}

// onE2EKeyRequest relays a request for an encrypted room's key: to the
// room's <rid>/e2e.keyRequest listeners with [keyId], or, for a member's
// request relayed from stream-notify-room-users, to each recipient's
// <uid>/e2ekeyRequest with [rid, keyId].
func (h *hub) onE2EKeyRequest(ev *model.E2EKeyRequest) {
	if ev.RoomID == "" {
		return
	}
	if len(ev.Recipients) == 0 {
		if h.hasRoomNotify(ev.RoomID, "e2e.keyRequest") {
			if f, err := ddp.StreamEvent(streamNotifyRoom, ev.RoomID+"/e2e.keyRequest", ev.KeyID); err == nil {
				h.deliverRoomNotify(&h.out, ev.RoomID, "e2e.keyRequest", f, nil)
			} else {
				h.encodeFailed("e2e.key_request", err)
			}
		}
		return
	}
	for _, uid := range ev.Recipients {
		if !h.hasUserNotify(uid, "e2ekeyRequest") {
			continue
		}
		if f, err := ddp.StreamEvent(streamNotifyUser, uid+"/e2ekeyRequest", ev.RoomID, ev.KeyID); err == nil {
			h.deliverUserNotify(&h.out, uid, "e2ekeyRequest", f)
		} else {
			h.encodeFailed("e2e.key_request", err)
		}
	}
}

// onInviteCreated sends a new invitation link to its creator's
// <uid>/updateInvites listeners, as {invite} (Rocket.Chat's
// notify.updateInvites).
func (h *hub) onInviteCreated(ev *model.InviteCreated) {
	uid := ev.Invite.UserID
	if uid == "" || !h.hasUserNotify(uid, "updateInvites") {
		return
	}
	if f, err := ddp.StreamEvent(streamNotifyUser, uid+"/updateInvites", map[string]any{"invite": &ev.Invite}); err == nil {
		h.deliverUserNotify(&h.out, uid, "updateInvites", f)
	} else {
		h.encodeFailed("invite.created", err)
	}
}

// onCustomUserStatusChanged sends updateCustomUserStatus /
// deleteCustomUserStatus to logged-in subscribers of stream-notify-logged,
// with {userStatusData} as Rocket.Chat (an update of an existing status
// carries previousName and previousStatusType).
func (h *hub) onCustomUserStatusChanged(ev *model.CustomUserStatusChanged) {
	st := ev.Status
	if st == nil {
		return
	}
	event := "updateCustomUserStatus"
	if ev.Action == model.ActionRemoved {
		event = "deleteCustomUserStatus"
	}
	if !h.hasGlobal(streamNotifyLogged, event) {
		return
	}
	data := map[string]any{"_id": st.ID, "name": st.Name, "statusType": st.StatusType, "_updatedAt": st.UpdatedAt}
	if ev.Action != model.ActionRemoved && ev.PreviousName != "" {
		data["previousName"] = ev.PreviousName
		data["previousStatusType"] = ev.PreviousStatusType
	}
	if f, err := ddp.StreamEvent(streamNotifyLogged, event, map[string]any{"userStatusData": data}); err == nil {
		h.deliverGlobal(&h.out, streamNotifyLogged, event, f)
	} else {
		h.encodeFailed("userstatus.changed", err)
	}
}

// onUserActivity sends typing (and other activities) to the room's
// listeners, except the acting user's own sessions; the legacy
// <rid>/typing event is sent alongside, as Rocket.Chat does.
func (h *hub) onUserActivity(ev *model.UserActivity) {
	skip := func(s *session) bool {
		u := s.user()
		return u != nil && u.Username == ev.Username
	}
	acts := ev.Activities
	if acts == nil {
		acts = []string{}
	}
	if h.hasRoomNotify(ev.RoomID, "user-activity") {
		args := []any{ev.Username, acts}
		if ev.Extras != nil {
			args = append(args, ev.Extras)
		}
		if f, err := ddp.StreamEvent(streamNotifyRoom, ev.RoomID+"/user-activity", args...); err == nil {
			h.deliverRoomNotify(&h.out, ev.RoomID, "user-activity", f, skip)
		} else {
			h.encodeFailed("user.activity", err)
		}
	}
	typing := slices.Contains(acts, "user-typing")
	if (len(acts) == 0 || typing) && h.hasRoomNotify(ev.RoomID, "typing") {
		if f, err := ddp.StreamEvent(streamNotifyRoom, ev.RoomID+"/typing", ev.Username, typing); err == nil {
			h.deliverRoomNotify(&h.out, ev.RoomID, "typing", f, skip)
		} else {
			h.encodeFailed("user.activity", err)
		}
	}
}
