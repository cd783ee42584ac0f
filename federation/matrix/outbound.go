package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"liftoff/federation/matrix/links"
	"liftoff/jobs"
	"liftoff/model"
)

// outJob is the payload of a "matrix.out" job.
type outJob struct {
	Op        string              `json:"op"` // portal, message, edit, delete, reactions, topic, name, invite
	RoomID    string              `json:"rid"`
	MessageID string              `json:"mid,omitempty"`
	Username  string              `json:"username,omitempty"`
	Text      string              `json:"text,omitempty"`
	Reactions map[string][]string `json:"reactions,omitempty"`
}

// HandleEvent is the bus consumer: it turns the events of bridged rooms
// into durable jobs (typing, being ephemeral, goes at once).
func (b *Bridge) HandleEvent(e model.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var js []jobs.NewJob
	add := func(key string, j outJob) {
		payload, _ := json.Marshal(j)
		js = append(js, jobs.NewJob{Kind: JobKind, Key: "matrix:" + key, Group: "matrix:" + j.RoomID, Payload: payload})
	}
	switch ev := e.(type) { // events travel as values or as pointers
	case *model.MessageSaved:
		e = *ev
	case *model.MessageDeleted:
		e = *ev
	case *model.RoomChanged:
		e = *ev
	case *model.SubscriptionChanged:
		e = *ev
	case *model.UserActivity:
		e = *ev
	case *model.UserChanged:
		e = *ev
	}
	switch ev := e.(type) {
	case model.MessageSaved:
		m := ev.Message
		if m == nil || !b.bridged(ctx, m.RoomID) {
			return
		}
		remote := IsRemoteUsername(m.Author.Username)
		if ev.Created {
			switch {
			case m.Type == "" && !remote:
				add("msg:"+m.ID, outJob{Op: "message", RoomID: m.RoomID, MessageID: m.ID})
			case m.Type == "room_changed_topic":
				add("topic:"+m.ID, outJob{Op: "topic", RoomID: m.RoomID, Text: m.Msg})
			case m.Type == "r":
				add("name:"+m.ID, outJob{Op: "name", RoomID: m.RoomID, Text: m.Msg})
			}
			break
		}
		if m.Type != "" {
			break
		}
		if !m.EditedAt.IsZero() && !remote && (m.EditedBy == nil || !IsRemoteUsername(m.EditedBy.Username)) {
			add("edit:"+m.ID+":"+strconv.FormatInt(m.EditedAt.UnixMilli(), 10), outJob{Op: "edit", RoomID: m.RoomID, MessageID: m.ID, Text: m.Msg})
		}
		snap := map[string][]string{}
		for emoji, r := range m.Reactions {
			if r != nil && len(r.Usernames) > 0 {
				snap[emoji] = r.Usernames
			}
		}
		add("react:"+m.ID+":"+strconv.FormatInt(m.UpdatedAt.UnixMilli(), 10)+":"+reactionDigest(snap),
			outJob{Op: "reactions", RoomID: m.RoomID, MessageID: m.ID, Reactions: snap})
	case model.MessageDeleted:
		if !b.bridged(ctx, ev.RoomID) {
			return
		}
		add("del:"+ev.MessageID, outJob{Op: "delete", RoomID: ev.RoomID, MessageID: ev.MessageID})
	case model.RoomChanged:
		if ev.Room != nil && ev.Room.Federated && ev.Action != model.ActionRemoved {
			add("portal:"+ev.Room.ID, outJob{Op: "portal", RoomID: ev.Room.ID})
		}
	case model.SubscriptionChanged:
		s := ev.Subscription
		if s == nil || ev.Action != model.ActionInserted || !b.bridged(ctx, s.RoomID) {
			return
		}
		add("member:"+s.RoomID+":"+s.User.Username, outJob{Op: "invite", RoomID: s.RoomID, Username: s.User.Username})
	case model.UserActivity:
		if IsRemoteUsername(ev.Username) || !b.bridged(ctx, ev.RoomID) {
			return
		}
		go b.sendTyping(ev)
	case model.UserChanged:
		if ev.User != nil {
			b.forget(ev.User.Username)
		}
	}
	if len(js) > 0 {
		if _, err := b.d.Queue.Enqueue(ctx, js...); err != nil {
			b.log.Error("enqueue matrix jobs", "err", err)
		}
	}
}

func reactionDigest(snap map[string][]string) string {
	keys := make([]string, 0, len(snap))
	for k, v := range snap {
		keys = append(keys, k+"="+strings.Join(v, ","))
	}
	slices.Sort(keys)
	return txnID(keys...)
}

// bridged reports whether a room's events go to Matrix: a federated room,
// or a direct conversation with a remote user.
func (b *Bridge) bridged(ctx context.Context, roomID string) bool {
	room, err := b.d.Data.RoomByID(ctx, roomID)
	if err != nil {
		return false
	}
	return bridgedRoom(room)
}

func bridgedRoom(room *model.Room) bool {
	if room.Federated {
		return true
	}
	return room.Type == model.RoomDirect && slices.ContainsFunc(room.Usernames, IsRemoteUsername)
}

// sendTyping forwards a local user's typing state, best effort.
func (b *Bridge) sendTyping(a model.UserActivity) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	portal, err := b.d.Links.MatrixLink(ctx, links.Room, a.RoomID)
	if err != nil {
		return
	}
	u, err := b.d.Data.UserByUsername(ctx, a.Username)
	if err != nil {
		return
	}
	c, err := b.ensurePuppet(ctx, u)
	if err != nil {
		return
	}
	if err := b.ensureJoined(ctx, a.RoomID, id.RoomID(portal), c.UserID); err != nil {
		return
	}
	typing := slices.Contains(a.Activities, "user-typing")
	if _, err := c.UserTyping(ctx, id.RoomID(portal), typing, 30*time.Second); err != nil {
		b.log.Debug("matrix typing", "err", err)
	}
}

// runJobs runs one room's jobs in order; an error retries the batch (each
// step is idempotent: links and transaction ids).
func (b *Bridge) runJobs(ctx context.Context, batch []jobs.Job) error {
	for _, j := range batch {
		var o outJob
		if err := json.Unmarshal(j.Payload, &o); err != nil {
			b.log.Error("matrix job payload", "job", j.ID, "err", err)
			continue
		}
		if err := b.runJob(ctx, o); err != nil {
			return fmt.Errorf("matrix %s in %s: %w", o.Op, o.RoomID, err)
		}
	}
	return nil
}

func (b *Bridge) runJob(ctx context.Context, o outJob) error {
	room, err := b.d.Data.RoomByID(ctx, o.RoomID)
	if err != nil {
		return nil // the room is gone
	}
	if !bridgedRoom(room) {
		return nil
	}
	portal, err := b.ensurePortal(ctx, room)
	if err != nil {
		return err
	}
	switch o.Op {
	case "portal":
		return nil
	case "message":
		return b.sendMessage(ctx, room, portal, o.MessageID)
	case "edit":
		return b.sendEdit(ctx, room, portal, o)
	case "delete":
		ev, err := b.d.Links.MatrixLink(ctx, links.Event, o.MessageID)
		if errors.Is(err, links.ErrNotFound) {
			return nil // never sent, or removed from Matrix first
		}
		if err != nil {
			return err
		}
		if _, err := b.bot.RedactEvent(ctx, portal, id.EventID(ev), mautrix.ReqRedact{TxnID: txnID("redact", o.MessageID)}); err != nil {
			return err
		}
		return b.d.Links.DeleteMatrixLink(ctx, links.Event, o.MessageID)
	case "reactions":
		return b.syncReactions(ctx, room, portal, o)
	case "topic", "name":
		return b.sendRoomText(ctx, portal, o)
	case "invite":
		return b.addMember(ctx, room, portal, o.Username)
	}
	return nil
}

// ensurePortal returns the room's portal room, creating it (with every
// member's puppet, or remote user, invited) on first use.
func (b *Bridge) ensurePortal(ctx context.Context, room *model.Room) (id.RoomID, error) {
	if v, err := b.d.Links.MatrixLink(ctx, links.Room, room.ID); err == nil {
		return id.RoomID(v), nil
	} else if !errors.Is(err, links.ErrNotFound) {
		return "", err
	}
	ids, err := b.d.Data.MemberIDs(ctx, room.ID)
	if err != nil {
		return "", err
	}
	var locals []*model.User
	var invite []id.UserID
	for _, uid := range ids {
		u, err := b.d.Data.UserByID(ctx, uid)
		if err != nil {
			continue
		}
		if u.Federated || IsRemoteUsername(u.Username) {
			invite = append(invite, RemoteUserID(u.Username))
			continue
		}
		if _, err := b.ensurePuppet(ctx, u); err != nil {
			return "", err
		}
		locals = append(locals, u)
		invite = append(invite, b.cfg.Puppet(u.Username))
	}
	name := room.DisplayName
	if name == "" {
		name = room.Name
	}
	req := &mautrix.ReqCreateRoom{
		Preset: "private_chat", Invite: invite, Topic: room.Topic,
		PowerLevelOverride: &event.PowerLevelsEventContent{
			Users: map[id.UserID]int{b.cfg.Bot(): 100},
			Events: map[string]int{
				event.StateTopic.Type: 0, event.StateRoomName.Type: 0,
				event.EventRedaction.Type: 0, event.StatePowerLevels.Type: 100,
			},
			StateDefaultPtr: ptr(50), InvitePtr: ptr(0), RedactPtr: ptr(50), KickPtr: ptr(50), BanPtr: ptr(50),
		},
		CreationContent: map[string]any{"fi.liftoff.room_id": room.ID},
	}
	if room.Type == model.RoomDirect {
		req.IsDirect, req.Preset = true, "trusted_private_chat"
	} else {
		req.Name = name
	}
	resp, err := b.bot.CreateRoom(ctx, req)
	if err != nil {
		return "", fmt.Errorf("create portal: %w", err)
	}
	if ok, err := b.d.Links.PutMatrixLink(ctx, links.Room, room.ID, string(resp.RoomID)); err != nil {
		return "", err
	} else if !ok {
		// Another instance made one first: use it (ours stays empty).
		v, err := b.d.Links.MatrixLink(ctx, links.Room, room.ID)
		return id.RoomID(v), err
	}
	for _, u := range locals {
		if err := b.ensureJoined(ctx, room.ID, resp.RoomID, b.cfg.Puppet(u.Username)); err != nil {
			return "", err
		}
	}
	return resp.RoomID, nil
}

func ptr(v int) *int { return &v }

// ensureJoined makes a puppet a member of the portal (invited by the bot,
// then joining), once.
func (b *Bridge) ensureJoined(ctx context.Context, roomID string, portal id.RoomID, puppet id.UserID) error {
	key := roomID + "|" + string(puppet)
	if _, err := b.d.Links.MatrixLink(ctx, links.Member, key); err == nil {
		return nil
	}
	_, err := b.bot.InviteUser(ctx, portal, &mautrix.ReqInviteUser{UserID: puppet})
	if err != nil && !errors.Is(err, mautrix.MForbidden) { // already invited or joined
		return fmt.Errorf("invite %s: %w", puppet, err)
	}
	if _, err := b.client(puppet).JoinRoomByID(ctx, portal); err != nil {
		return fmt.Errorf("join %s: %w", puppet, err)
	}
	_, err = b.d.Links.PutMatrixLink(ctx, links.Member, key, "joined:"+key)
	return err
}

// addMember brings a new Liftoff member into the portal: a local user's
// puppet joins, a remote user is invited.
func (b *Bridge) addMember(ctx context.Context, room *model.Room, portal id.RoomID, username string) error {
	if IsRemoteUsername(username) {
		key := room.ID + "|" + string(RemoteUserID(username))
		if _, err := b.d.Links.MatrixLink(ctx, links.Member, key); err == nil {
			return nil
		}
		_, err := b.bot.InviteUser(ctx, portal, &mautrix.ReqInviteUser{UserID: RemoteUserID(username)})
		if err != nil && !errors.Is(err, mautrix.MForbidden) {
			return err
		}
		_, err = b.d.Links.PutMatrixLink(ctx, links.Member, key, "invited:"+key)
		return err
	}
	u, err := b.d.Data.UserByUsername(ctx, username)
	if err != nil {
		return nil
	}
	c, err := b.ensurePuppet(ctx, u)
	if err != nil {
		return err
	}
	return b.ensureJoined(ctx, room.ID, portal, c.UserID)
}

// authorClient returns the puppet client of a message's author, joined to
// the portal.
func (b *Bridge) authorClient(ctx context.Context, room *model.Room, portal id.RoomID, ref model.UserRef) (*mautrix.Client, error) {
	u, err := b.d.Data.UserByID(ctx, ref.ID)
	if err != nil {
		return nil, fmt.Errorf("author %s: %w", ref.Username, err)
	}
	c, err := b.ensurePuppet(ctx, u)
	if err != nil {
		return nil, err
	}
	return c, b.ensureJoined(ctx, room.ID, portal, c.UserID)
}

func (b *Bridge) sendMessage(ctx context.Context, room *model.Room, portal id.RoomID, msgID string) error {
	if _, err := b.d.Links.MatrixLink(ctx, links.Event, msgID); err == nil {
		return nil // sent already
	}
	m, err := b.d.Data.MessageByID(ctx, msgID)
	if err != nil {
		return nil // deleted since
	}
	c, err := b.authorClient(ctx, room, portal, m.Author)
	if err != nil {
		return err
	}
	content := toMatrix(m.Msg)
	if m.ThreadID != "" {
		if root, err := b.d.Links.MatrixLink(ctx, links.Event, m.ThreadID); err == nil {
			content.RelatesTo = (&event.RelatesTo{}).SetThread(id.EventID(root), id.EventID(root))
		}
	}
	resp, err := c.SendMessageEvent(ctx, portal, event.EventMessage, &content, mautrix.ReqSendEvent{TransactionID: txnID("msg", msgID)})
	if err != nil {
		return err
	}
	_, err = b.d.Links.PutMatrixLink(ctx, links.Event, msgID, string(resp.EventID))
	return err
}

func (b *Bridge) sendEdit(ctx context.Context, room *model.Room, portal id.RoomID, o outJob) error {
	orig, err := b.d.Links.MatrixLink(ctx, links.Event, o.MessageID)
	if err != nil {
		return nil // the message never went out
	}
	m, err := b.d.Data.MessageByID(ctx, o.MessageID)
	if err != nil {
		return nil
	}
	c, err := b.authorClient(ctx, room, portal, m.Author)
	if err != nil {
		return err
	}
	content := toMatrix(o.Text)
	content.SetEdit(id.EventID(orig))
	_, err = c.SendMessageEvent(ctx, portal, event.EventMessage, &content, mautrix.ReqSendEvent{TransactionID: txnID("edit", o.MessageID, o.Text)})
	return err
}

// syncReactions makes the portal's annotations of a message by local
// users match the message's reactions.
func (b *Bridge) syncReactions(ctx context.Context, room *model.Room, portal id.RoomID, o outJob) error {
	target, err := b.d.Links.MatrixLink(ctx, links.Event, o.MessageID)
	if err != nil {
		return nil
	}
	have, err := b.d.Links.MatrixLinksByPrefix(ctx, links.Reaction, o.MessageID+"|")
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for emoji, users := range o.Reactions {
		for _, name := range users {
			if IsRemoteUsername(name) {
				continue
			}
			key := o.MessageID + "|" + emoji + "|" + name
			want[key] = true
			if _, ok := have[key]; ok {
				continue
			}
			u, err := b.d.Data.UserByUsername(ctx, name)
			if err != nil {
				continue
			}
			c, err := b.ensurePuppet(ctx, u)
			if err != nil {
				return err
			}
			if err := b.ensureJoined(ctx, room.ID, portal, c.UserID); err != nil {
				return err
			}
			content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{
				Type: event.RelAnnotation, EventID: id.EventID(target), Key: reactionKey(emoji),
			}}
			resp, err := c.SendMessageEvent(ctx, portal, event.EventReaction, content, mautrix.ReqSendEvent{TransactionID: txnID("react", key)})
			if err != nil {
				return err
			}
			if _, err := b.d.Links.PutMatrixLink(ctx, links.Reaction, key, string(resp.EventID)); err != nil {
				return err
			}
		}
	}
	for key, ev := range have {
		parts := strings.Split(key, "|")
		if want[key] || len(parts) != 3 || IsRemoteUsername(parts[2]) {
			continue
		}
		if _, err := b.bot.RedactEvent(ctx, portal, id.EventID(ev), mautrix.ReqRedact{TxnID: txnID("unreact", ev)}); err != nil {
			return err
		}
		if err := b.d.Links.DeleteMatrixLink(ctx, links.Reaction, key); err != nil {
			return err
		}
	}
	return nil
}

// sendRoomText sets the portal's topic or name when it differs.
func (b *Bridge) sendRoomText(ctx context.Context, portal id.RoomID, o outJob) error {
	typ, content := event.StateTopic, any(&event.TopicEventContent{Topic: o.Text})
	if o.Op == "name" {
		typ, content = event.StateRoomName, &event.RoomNameEventContent{Name: o.Text}
	}
	var cur map[string]any
	if err := b.bot.StateEvent(ctx, portal, typ, "", &cur); err == nil {
		if v, _ := cur[o.Op].(string); v == o.Text {
			return nil
		}
	}
	_, err := b.bot.SendStateEvent(ctx, portal, typ, "", content)
	return err
}
