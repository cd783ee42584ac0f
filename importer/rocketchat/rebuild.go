package rocketchat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// rebuildBatch is how many records one rebuild transaction touches.
const rebuildBatch = 1000

// rebuild recomputes the counters the dump carries from the imported data:
// threads first (a room's lastMessage embeds messages), then rooms, then
// subscriptions.
func (im *importer) rebuild(ctx context.Context) error {
	if err := im.rebuildThreads(ctx); err != nil {
		return err
	}
	if err := im.rebuildRooms(ctx); err != nil {
		return err
	}
	return im.rebuildSubscriptions(ctx)
}

// inBatches calls fn with ids in batches of rebuildBatch, one transaction each.
func (im *importer) inBatches(ctx context.Context, ids []string, fn func(tx store.Tx, id string) error) error {
	for len(ids) > 0 {
		chunk := ids[:min(rebuildBatch, len(ids))]
		ids = ids[len(chunk):]
		if err := im.Store.Update(ctx, func(tx store.Tx) error {
			for _, id := range chunk {
				if err := fn(tx, id); err != nil {
					return fmt.Errorf("%s: %w", id, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rebuildThreads sets every thread parent's tcount, tlm and replies (its
// author, when a user message, then the repliers in order) from its replies.
func (im *importer) rebuildThreads(ctx context.Context) error {
	missing := 0
	err := im.inBatches(ctx, sortedKeys(im.threads), func(tx store.Tx, id string) error {
		st := im.threads[id]
		m, err := tx.MessageByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			missing += st.count
			return nil
		}
		if err != nil {
			return err
		}
		var replies []string
		if st.count > 0 {
			if m.Type == "" {
				replies = append(replies, m.Author.ID)
			}
			for _, a := range st.authors {
				if !slices.Contains(replies, a) {
					replies = append(replies, a)
				}
			}
		}
		if m.ThreadCount == st.count && m.ThreadLastMessageAt.Equal(st.last.Time) && slices.Equal(m.Replies, replies) {
			return nil
		}
		m.ThreadCount, m.ThreadLastMessageAt, m.Replies = st.count, st.last, replies
		return tx.UpdateMessage(ctx, m)
	})
	if missing > 0 {
		im.summary.Problems = append(im.summary.Problems,
			fmt.Sprintf("%d thread replies belong to a thread whose first message is not in the dump", missing))
	}
	return err
}

// rebuildRooms sets every imported room's msgs (its visible messages),
// usersCount (its subscriptions), lm and lastMessage, and a discussion's
// dcount and dlm on the message that started it.
func (im *importer) rebuildRooms(ctx context.Context) error {
	var ids []string
	for id, t := range im.rooms {
		if !omnichannel(t) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return im.inBatches(ctx, ids, func(tx store.Tx, id string) error {
		r, err := tx.RoomByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		latest, msgs, err := tx.ListMessages(ctx, store.MessageQuery{RoomID: id}, store.Page{Count: 1})
		if err != nil {
			return err
		}
		shown, _, err := tx.ListMessages(ctx, store.MessageQuery{RoomID: id, HideThreadReplies: true}, store.Page{Count: 1, NoTotal: true})
		if err != nil {
			return err
		}
		members, err := tx.MemberIDs(ctx, id)
		if err != nil {
			return err
		}
		var lm model.Time
		if len(latest) > 0 {
			lm = latest[0].SentAt
		}
		var last *model.Message
		if len(shown) > 0 {
			last = shown[0]
		}
		sameLast := (last == nil) == (r.LastMessage == nil) && (last == nil || (last.ID == r.LastMessage.ID &&
			last.UpdatedAt.Equal(r.LastMessage.UpdatedAt.Time)))
		if r.ParentRoomID != "" {
			// The message that started the discussion shows its count.
			links, _, err := tx.ListMessages(ctx, store.MessageQuery{DiscussionID: id}, store.Page{NoTotal: true})
			if err != nil {
				return err
			}
			for _, m := range links {
				if m.DiscussionCount != msgs || !m.DiscussionLastMessageAt.Equal(lm.Time) {
					m.DiscussionCount, m.DiscussionLastMessageAt = msgs, lm
					if err := tx.UpdateMessage(ctx, m); err != nil {
						return err
					}
				}
			}
		}
		if r.MessageCount == msgs && r.UsersCount == len(members) && r.LastMessageAt.Equal(lm.Time) && sameLast {
			return nil
		}
		r.MessageCount, r.UsersCount, r.LastMessageAt, r.LastMessage = msgs, len(members), lm, last
		return tx.UpdateRoom(ctx, r)
	})
}

// rebuildSubscriptions recounts every imported subscription's unread and
// mention counters: the messages of others after the member last read the
// room (or joined it), counted as the Unread_Count settings say.
func (im *importer) rebuildSubscriptions(ctx context.Context) error {
	mode := map[string]string{}
	for t, id := range map[string]setting.ID{"room": setting.UnreadCount, model.RoomDirect: setting.UnreadCountDM} {
		s, err := im.Store.SettingByID(ctx, string(id))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if s != nil {
			mode[t], _ = s.Value.(string)
		}
	}
	ids := slices.Clone(im.subs)
	sort.Strings(ids)
	ids = slices.Compact(ids)
	return im.inBatches(ctx, ids, func(tx store.Tx, id string) error {
		s, err := tx.SubscriptionByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		since := s.LastSeen
		if since.IsZero() {
			since = s.JoinedAt
		}
		count := func(q store.MessageQuery) (int, error) {
			q.RoomID, q.After, q.HideThreadReplies, q.OnlyUserMessages = s.RoomID, since, true, true
			_, all, err := tx.ListMessages(ctx, q, store.Page{Count: 1})
			if err != nil || all == 0 {
				return 0, err
			}
			q.FromUser = s.User.ID
			_, own, err := tx.ListMessages(ctx, q, store.Page{Count: 1})
			return all - own, err
		}
		msgs, err := count(store.MessageQuery{})
		if err != nil {
			return err
		}
		var mentions, groups int
		if msgs > 0 {
			if mentions, err = count(store.MessageQuery{MentionsUser: s.User.ID}); err != nil {
				return err
			}
			for _, g := range []string{"all", "here"} {
				n, err := count(store.MessageQuery{MentionsUser: g})
				if err != nil {
					return err
				}
				groups += n
			}
		}
		m := mode["room"]
		if s.RoomType == model.RoomDirect {
			m = mode[model.RoomDirect]
		}
		var unread int
		switch m {
		case "group_mentions_only":
			unread = groups
		case "user_and_group_mentions_only":
			unread = mentions + groups
		case "user_mentions_only", "mentions_only":
			unread = mentions
		default: // all_messages
			unread = msgs
		}
		unread = min(unread, msgs)
		alert := msgs > 0
		if s.Unread == unread && s.UserMentions == mentions && s.GroupMentions == groups && s.Alert == alert {
			return nil
		}
		s.Unread, s.UserMentions, s.GroupMentions, s.Alert = unread, mentions, groups, alert
		return tx.UpdateSubscription(ctx, s)
	})
}

// check verifies what the import wrote: every room's counters match its
// data, every subscription's user exists.
func (im *importer) check(ctx context.Context) error {
	ids := make([]string, 0, len(im.rooms))
	for id, t := range im.rooms {
		if !omnichannel(t) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	bad := 0
	for _, id := range ids {
		r, err := im.Store.RoomByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		members, err := im.Store.MemberIDs(ctx, id)
		if err != nil {
			return err
		}
		_, msgs, err := im.Store.ListMessages(ctx, store.MessageQuery{RoomID: id}, store.Page{Count: 1})
		if err != nil {
			return err
		}
		if r.UsersCount != len(members) || r.MessageCount != msgs {
			bad++
			if bad <= maxFailures {
				im.summary.Problems = append(im.summary.Problems, fmt.Sprintf("room %s: usersCount %d for %d members, msgs %d for %d messages",
					id, r.UsersCount, len(members), r.MessageCount, msgs))
			}
		}
		if r.Type == model.RoomDirect {
			for _, uid := range r.UserIDs {
				if ok, err := im.userExists(ctx, im.Store, uid); err != nil {
					return err
				} else if !ok {
					bad++
					if bad <= maxFailures {
						im.summary.Problems = append(im.summary.Problems, fmt.Sprintf("direct room %s: user %s was not imported", id, uid))
					}
				}
			}
		}
	}
	if bad > maxFailures {
		im.summary.Problems = append(im.summary.Problems, fmt.Sprintf("%d more problems", bad-maxFailures))
	}
	return nil
}
