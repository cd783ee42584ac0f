package matrix

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/appservice"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"liftoff/chat"
	"liftoff/federation/matrix/links"
	"liftoff/model"
	"liftoff/store"
)

// Routes declares the appservice endpoints the homeserver calls.
func (b *Bridge) Routes(handle func(pattern string, h http.HandlerFunc)) {
	for _, prefix := range []string{"/_matrix/app/v1", ""} {
		handle("PUT "+prefix+"/transactions/{txnId}", b.auth(b.serveTransaction))
		handle("GET "+prefix+"/users/{userId}", b.auth(b.serveUserQuery))
		handle("GET "+prefix+"/rooms/{alias}", b.auth(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "M_NOT_FOUND", "No such room")
		}))
	}
	handle("POST /_matrix/app/v1/ping", b.auth(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, map[string]any{}) }))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"errcode": code, "error": msg})
}

// auth accepts the homeserver's hs_token, as a bearer token or (legacy)
// the access_token query parameter.
func (b *Bridge) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "" {
			token = r.URL.Query().Get("access_token")
		}
		if token == "" {
			writeError(w, http.StatusUnauthorized, "M_MISSING_TOKEN", "Missing token")
			return
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(b.cfg.HSToken)) != 1 {
			writeError(w, http.StatusForbidden, "M_FORBIDDEN", "Bad token")
			return
		}
		next(w, r)
	}
}

// serveUserQuery answers whether a user of our namespace exists: puppets
// of existing Liftoff users do (registered on the way).
func (b *Bridge) serveUserQuery(w http.ResponseWriter, r *http.Request) {
	uid := id.UserID(r.PathValue("userId"))
	name := b.cfg.PuppetUsername(uid)
	if name != "" {
		if u, err := b.d.Data.UserByUsername(r.Context(), name); err == nil && !u.Federated {
			if _, err := b.ensurePuppet(r.Context(), u); err == nil {
				writeJSON(w, http.StatusOK, map[string]any{})
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "M_NOT_FOUND", "No such user")
}

// serveTransaction applies a transaction once: a known id is acknowledged
// at once; otherwise every event is applied, then the id is stored, then
// the homeserver gets its 200. A failure answers 500, and the homeserver
// sends the transaction again (events already applied are recognised).
func (b *Bridge) serveTransaction(w http.ResponseWriter, r *http.Request) {
	txn := r.PathValue("txnId")
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "M_NOT_JSON", "Unreadable body")
		return
	}
	var t appservice.Transaction
	if err := json.Unmarshal(body, &t); err != nil {
		writeError(w, http.StatusBadRequest, "M_NOT_JSON", "Invalid transaction")
		return
	}
	b.txnMu.Lock()
	defer b.txnMu.Unlock()
	ctx := r.Context()
	if _, err := b.d.Links.MatrixLink(ctx, links.Txn, txn); err == nil {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	for _, evt := range t.Events {
		if err := b.applyEvent(ctx, evt); err != nil {
			b.log.Error("matrix transaction", "txn", txn, "event", evt.ID, "type", evt.Type.Type, "err", err)
			writeError(w, http.StatusInternalServerError, "M_UNKNOWN", "Could not apply the transaction")
			return
		}
	}
	for _, evt := range append(t.EphemeralEvents, t.MSC2409EphemeralEvents...) {
		b.applyEphemeral(ctx, evt)
	}
	if _, err := b.d.Links.PutMatrixLink(ctx, links.Txn, txn, "txn:"+txn); err != nil {
		writeError(w, http.StatusInternalServerError, "M_UNKNOWN", "Could not record the transaction")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// refused reports a Liftoff refusal (permissions, read-only, muted): the
// event is dropped, as the sender may not do it here, and the transaction
// goes on.
func refused(err error) bool {
	var me *model.Error
	return errors.As(err, &me) && me.Kind != model.KindRateLimited
}

// applyEvent applies one room event. It returns an error only for
// failures worth a retry of the transaction.
func (b *Bridge) applyEvent(ctx context.Context, evt *event.Event) error {
	if evt == nil || b.cfg.IsOurs(evt.Sender) {
		return nil // our own echo
	}
	if err := evt.Content.ParseRaw(evt.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
		return nil // malformed or unknown content: nothing to apply
	}
	if evt.Type == event.StateMember {
		return b.applyMember(ctx, evt)
	}
	rid, err := b.d.Links.MatrixLocal(ctx, links.Room, string(evt.RoomID))
	if errors.Is(err, links.ErrNotFound) {
		return nil // not a portal
	}
	if err != nil {
		return err
	}
	user, err := b.EnsureRemoteUser(ctx, RemoteUsername(evt.Sender))
	if err != nil {
		return err
	}
	err = b.applyRoomEvent(ctx, rid, user, evt)
	if refused(err) {
		b.log.Info("matrix event refused", "event", evt.ID, "sender", evt.Sender, "err", err)
		return nil
	}
	return err
}

func (b *Bridge) applyRoomEvent(ctx context.Context, rid string, user *model.User, evt *event.Event) error {
	switch evt.Type {
	case event.EventMessage:
		c := evt.Content.AsMessage()
		rel := c.GetRelatesTo()
		if orig := rel.GetReplaceID(); orig != "" {
			mid, err := b.d.Links.MatrixLocal(ctx, links.Event, string(orig))
			if err != nil {
				return nil
			}
			text := fromMatrix(c)
			if c.NewContent != nil {
				text = fromMatrix(c.NewContent)
			}
			_, err = b.d.Chat.UpdateMessage(ctx, user, chat.UpdateInput{RoomID: rid, MessageID: mid, Text: text})
			return err
		}
		in := chat.SendInput{ID: messageID(evt.ID), RoomID: rid, Msg: fromMatrix(c)}
		if root := rel.GetThreadParent(); root != "" {
			if tmid, err := b.d.Links.MatrixLocal(ctx, links.Event, string(root)); err == nil {
				in.ThreadID = tmid
			}
		}
		if in.Msg == "" {
			return nil
		}
		// Linked first: the message's own MessageSaved must find it so, and
		// a retry finds the same derived id.
		if _, err := b.d.Links.PutMatrixLink(ctx, links.Event, in.ID, string(evt.ID)); err != nil {
			return err
		}
		_, err := b.d.Chat.SendMessage(ctx, user, in)
		return err
	case event.EventReaction:
		rel := evt.Content.AsReaction().RelatesTo
		mid, err := b.d.Links.MatrixLocal(ctx, links.Event, string(rel.EventID))
		if err != nil {
			return nil
		}
		name := reactionName(rel.Key)
		if _, ok := chat.NormalizeEmoji(name); !ok {
			return nil
		}
		if _, err := b.d.Links.PutMatrixLink(ctx, links.Reaction, mid+"|"+name+"|"+user.Username, string(evt.ID)); err != nil {
			return err
		}
		yes := true
		return b.d.Chat.React(ctx, user, mid, name, &yes)
	case event.EventRedaction:
		target := evt.Redacts
		if target == "" {
			target = evt.Content.AsRedaction().Redacts
		}
		if mid, err := b.d.Links.MatrixLocal(ctx, links.Event, string(target)); err == nil {
			// Unlinked first, so the deletion does not go back out.
			if err := b.d.Links.DeleteMatrixLink(ctx, links.Event, mid); err != nil {
				return err
			}
			_, err := b.d.Chat.DeleteMessage(ctx, user, chat.DeleteInput{RoomID: rid, MessageID: mid})
			if errors.Is(err, model.ErrNotFound) {
				return nil
			}
			return err
		}
		if key, err := b.d.Links.MatrixLocal(ctx, links.Reaction, string(target)); err == nil {
			parts := strings.Split(key, "|")
			if err := b.d.Links.DeleteMatrixLink(ctx, links.Reaction, key); err != nil {
				return err
			}
			if len(parts) == 3 && parts[2] == user.Username {
				no := false
				return b.d.Chat.React(ctx, user, parts[0], parts[1], &no)
			}
		}
		return nil
	case event.StateTopic, event.StateRoomName:
		room, err := b.d.Data.RoomByID(ctx, rid)
		if err != nil || room.Creator == nil {
			return nil
		}
		// Matrix's power levels allowed the change; it is recorded in
		// Liftoff by the room's creator, who may edit the room.
		owner, err := b.d.Data.UserByID(ctx, room.Creator.ID)
		if err != nil {
			return nil
		}
		var in chat.RoomSettingsInput
		if evt.Type == event.StateTopic {
			topic := evt.Content.AsTopic().Topic
			if topic == room.Topic {
				return nil
			}
			in.Topic = &topic
		} else {
			name := evt.Content.AsRoomName().Name
			if name == "" || name == room.Name || room.Type == model.RoomDirect {
				return nil
			}
			in.Name = &name
		}
		_, err = b.d.Chat.SaveRoomSettings(ctx, owner, rid, in)
		return err
	}
	return nil
}

// applyMember handles memberships: a remote user joining a portal joins
// the Liftoff room; an invitation of a puppet to a new direct room starts
// a direct conversation.
func (b *Bridge) applyMember(ctx context.Context, evt *event.Event) error {
	if evt.StateKey == nil {
		return nil
	}
	m := evt.Content.AsMember()
	target := id.UserID(*evt.StateKey)
	rid, err := b.d.Links.MatrixLocal(ctx, links.Room, string(evt.RoomID))
	if err != nil && !errors.Is(err, links.ErrNotFound) {
		return err
	}
	switch {
	case m.Membership == event.MembershipJoin && rid != "" && !b.cfg.IsOurs(target):
		room, err := b.d.Data.RoomByID(ctx, rid)
		if err != nil || room.Creator == nil || room.Type == model.RoomDirect {
			return nil
		}
		user, err := b.EnsureRemoteUser(ctx, RemoteUsername(target))
		if err != nil {
			return err
		}
		owner, err := b.d.Data.UserByID(ctx, room.Creator.ID)
		if err != nil {
			return nil
		}
		_, err = b.d.Chat.Invite(ctx, owner, chat.RoomRef{ID: rid}, room.Type, []*model.User{user})
		if refused(err) {
			b.log.Info("matrix join refused", "user", target, "err", err)
			return nil
		}
		return err
	case m.Membership == event.MembershipInvite && rid == "" && m.IsDirect:
		name := b.cfg.PuppetUsername(target)
		if name == "" {
			return nil
		}
		local, err := b.d.Data.UserByUsername(ctx, name)
		if err != nil || local.Federated {
			return nil
		}
		remote, err := b.EnsureRemoteUser(ctx, RemoteUsername(evt.Sender))
		if err != nil {
			return err
		}
		if _, err := b.client(target).JoinRoomByID(ctx, evt.RoomID); err != nil {
			return fmt.Errorf("join direct room: %w", err)
		}
		room, err := b.d.Chat.CreateDirect(ctx, local, []string{remote.Username}, false)
		if refused(err) {
			b.log.Info("matrix direct room refused", "user", evt.Sender, "err", err)
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := b.d.Links.PutMatrixLink(ctx, links.Room, room.ID, string(evt.RoomID)); err != nil {
			return err
		}
		_, err = b.d.Links.PutMatrixLink(ctx, links.Member, room.ID+"|"+string(target), "joined:"+room.ID+"|"+string(target))
		return err
	}
	return nil
}

// applyEphemeral forwards typing notifications of portal rooms.
func (b *Bridge) applyEphemeral(ctx context.Context, evt *event.Event) {
	if evt == nil || evt.Type != event.EphemeralEventTyping {
		return
	}
	if err := evt.Content.ParseRaw(evt.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
		return
	}
	rid, err := b.d.Links.MatrixLocal(ctx, links.Room, string(evt.RoomID))
	if err != nil {
		return
	}
	b.applyTyping(ctx, rid, evt.Content.AsTyping().UserIDs)
}

// applyTyping publishes the typing state of a room's remote users: those
// listed type, those who typed before and are not listed stopped.
func (b *Bridge) applyTyping(ctx context.Context, rid string, typing []id.UserID) {
	now := map[string]bool{}
	for _, u := range typing {
		if b.cfg.IsOurs(u) {
			continue
		}
		name := RemoteUsername(u)
		now[name] = true
		_ = b.d.Chat.Typing(ctx, model.UserActivity{RoomID: rid, Username: name, Activities: []string{"user-typing"}})
	}
	b.mu.Lock()
	if b.typing == nil {
		b.typing = map[string]map[string]bool{}
	}
	before := b.typing[rid]
	b.typing[rid] = now
	b.mu.Unlock()
	for name := range before {
		if !now[name] {
			_ = b.d.Chat.Typing(ctx, model.UserActivity{RoomID: rid, Username: name, Activities: []string{}})
		}
	}
}

// EnsureRemoteUser returns the account of a remote Matrix user
// (localpart:server), creating it, with the display name the homeserver
// knows, on first use. It returns store.ErrNotFound for a user the
// homeserver does not know (or a name of our own namespace).
func (b *Bridge) EnsureRemoteUser(ctx context.Context, username string) (*model.User, error) {
	username = strings.TrimPrefix(username, "@")
	if u, err := b.d.Data.UserByUsername(ctx, username); err == nil {
		return u, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	uid := RemoteUserID(username)
	if _, _, err := uid.Parse(); err != nil || b.cfg.IsOurs(uid) {
		return nil, store.ErrNotFound
	}
	name := username
	resp, err := b.bot.GetDisplayName(ctx, uid)
	switch {
	case err == nil && resp.DisplayName != "":
		name = resp.DisplayName
	case errors.Is(err, mautrix.MNotFound):
		return nil, store.ErrNotFound
	}
	u, err := b.d.Chat.InsertUser(ctx, chat.NewUserInput{
		Username: strings.ToLower(username), Name: name, Roles: []string{"federated-external"}, Federated: true,
	})
	if err != nil {
		// Made by a concurrent call meanwhile?
		if again, err2 := b.d.Data.UserByUsername(ctx, username); err2 == nil {
			return again, nil
		}
		return nil, err
	}
	return u, nil
}
