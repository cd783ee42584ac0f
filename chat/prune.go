package chat

import (
	"context"
	"errors"
	"slices"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// PruneInput selects the messages a history clean-up removes
// (Rocket.Chat's rooms.cleanHistory and cleanRoomHistory).
type PruneInput struct {
	RoomID string
	// Oldest and Latest bound the messages' ts; Inclusive includes the
	// bounds themselves.
	Oldest, Latest model.Time
	Inclusive      bool
	// Limit caps the number removed, oldest first (0: no cap).
	Limit int
	// ExcludePinned keeps pinned messages.
	ExcludePinned bool
	// IgnoreThreads keeps thread replies and thread parents.
	IgnoreThreads bool
	// IgnoreDiscussion keeps the messages that link to discussions (and
	// the discussions); without it the discussions started in the range
	// are deleted with their links.
	IgnoreDiscussion bool
	// FilesOnly removes only the files of messages, keeping the messages.
	// Liftoff stores no uploaded files yet, so nothing matches.
	FilesOnly bool
	// Usernames limits the clean-up to these authors (empty: everyone).
	Usernames []string
}

// pruneBatch is the number of messages removed per transaction, so that a
// clean-up of a big room never holds the single writer for long.
const pruneBatch = 500

// PruneMessages removes a room's messages in a time range and returns how
// many it removed. It needs clean-channel-history (global or in the room)
// and access to the room. Removed messages leave tombstones, so clients
// syncing with chat.syncMessages or chat.getDeletedMessages learn of them;
// subscribers of <rid>/deleteMessageBulk get one event per batch. The
// room's message count and lastMessage follow, and thread parents lose
// the replies removed from them.
func (s *Messages) PruneMessages(ctx context.Context, user *model.User, in PruneInput) (int, error) {
	notAllowed := model.Forbidden("error-not-allowed", "Not allowed").InMethod()
	if user == nil {
		return 0, notAllowed
	}
	if in.RoomID == "" {
		return 0, model.ErrMissingParam("roomId")
	}
	if in.Limit < 0 {
		return 0, model.ErrBadParam("limit", "a positive number")
	}
	if !s.canInRoom(ctx, user, in.RoomID, perm.CleanChannelHistory) {
		return 0, notAllowed
	}
	room, _, ok, err := s.roomAccess(ctx, user, in.RoomID)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notAllowed
	}
	if in.FilesOnly {
		return 0, nil
	}
	q := store.MessageQuery{
		RoomID: room.ID, After: in.Oldest, Before: in.Latest, Inclusive: in.Inclusive,
		NotPinned: in.ExcludePinned, NoThreads: in.IgnoreThreads,
	}
	if len(in.Usernames) > 0 {
		authors, err := s.store.UsersByUsernames(ctx, in.Usernames)
		if err != nil {
			return 0, internal("prune messages", err)
		}
		q.FromUsers = make([]string, 0, len(authors))
		for _, u := range authors {
			q.FromUsers = append(q.FromUsers, u.ID)
		}
	}
	q.NoDiscussions = in.IgnoreDiscussion
	if !in.IgnoreDiscussion {
		if err := s.pruneDiscussions(ctx, q, in.Limit); err != nil {
			return 0, internal("prune messages", err)
		}
	}
	total := 0
	var last model.Time // ts of the newest message removed
	for in.Limit == 0 || total < in.Limit {
		n := pruneBatch
		if in.Limit > 0 {
			n = min(n, in.Limit-total)
		}
		var removed int
		err := s.store.Update(ctx, func(tx store.Tx) error {
			var err error
			var newest model.Time
			removed, newest, err = s.pruneBatchTx(ctx, tx, q, n, in)
			if removed > 0 {
				last = newest
			}
			return err
		})
		if err != nil {
			return total, internal("prune messages", err)
		}
		total += removed
		if removed < n {
			break
		}
	}
	if err := s.pruneHiddenVersions(ctx, q, in.Limit > 0 && total == in.Limit, last); err != nil {
		return total, internal("prune messages", err)
	}
	return total, nil
}

// pruneDiscussions deletes the discussions started by the messages the
// clean-up's filters match (at most limit of them, oldest first; 0: all),
// as Rocket.Chat's cleanRoomHistory does before removing the messages.
// Thread filters do not apply to them, as in Rocket.Chat. Deleting a
// discussion clears its link's drid, so the clean-up then removes the
// link like any other message.
func (s *core) pruneDiscussions(ctx context.Context, q store.MessageQuery, limit int) error {
	q.Discussions, q.NoThreads = true, false
	done := 0
	for limit == 0 || done < limit {
		n := pruneBatch
		if limit > 0 {
			n = min(n, limit-done)
		}
		var found int
		err := s.store.Update(ctx, func(tx store.Tx) error {
			links, _, err := tx.ListMessages(ctx, q, model.Page{Count: n, Sort: []model.SortKey{{Field: "ts"}}, NoTotal: true})
			if err != nil {
				return err
			}
			found = len(links)
			now := s.nowTime()
			for _, m := range links {
				if err := eraseDiscussionOfTx(ctx, tx, m.DiscussionID, now); err != nil {
					return err
				}
				if m.DiscussionID != "" {
					// A link whose discussion is already gone: clear it, or
					// the next batch would find it again.
					if cur, err := tx.MessageByID(ctx, m.ID); err == nil && cur.DiscussionID != "" {
						cur.DiscussionID, cur.DiscussionCount, cur.DiscussionLastMessageAt, cur.UpdatedAt = "", 0, model.Time{}, now
						if err := saveLinkTx(ctx, tx, cur); err != nil {
							return err
						}
					} else if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += found
		if found < n {
			return nil
		}
	}
	return nil
}

// pruneHiddenVersions removes the hidden records (previous versions kept
// by Message_KeepHistory, messages hidden by a deletion) the clean-up's
// filters match, as Rocket.Chat's clean-up does: they keep the ts of the
// message they were. When a limit cut the clean-up short, only those up to
// the newest message removed go. They are not counted, leave no tombstone
// and emit nothing: clients never saw them.
func (s *core) pruneHiddenVersions(ctx context.Context, q store.MessageQuery, limited bool, last model.Time) error {
	if limited && last.IsZero() {
		return nil
	}
	q.OnlyHidden = true
	for {
		var n int
		err := s.store.Update(ctx, func(tx store.Tx) error {
			hidden, _, err := tx.ListMessages(ctx, q, model.Page{Count: pruneBatch, Sort: []model.SortKey{{Field: "ts"}}, NoTotal: true})
			if err != nil {
				return err
			}
			for _, m := range hidden {
				if limited && m.SentAt.After(last.Time) {
					break
				}
				if err := tx.DeleteMessage(ctx, m.ID, s.nowTime()); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil || n < pruneBatch {
			return err
		}
	}
}

// pruneBatchTx removes up to n of the oldest messages matching q, with
// their effects on threads, members' thread-unread lists and the room.
func (s *core) pruneBatchTx(ctx context.Context, tx store.Tx, q store.MessageQuery, n int, in PruneInput) (int, model.Time, error) {
	msgs, _, err := tx.ListMessages(ctx, q, model.Page{Count: n, Sort: []model.SortKey{{Field: "ts"}}, NoTotal: true})
	if err != nil || len(msgs) == 0 {
		return 0, model.Time{}, err
	}
	now := s.nowTime()
	room, err := loadRoomTx(ctx, tx, q.RoomID)
	if err != nil {
		return 0, model.Time{}, err
	}
	gone := make(map[string]bool, len(msgs))
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		gone[m.ID] = true
		ids[i] = m.ID
	}
	lostReplies := map[string]int{} // surviving thread parent -> replies removed
	var threads []string            // removed thread parents
	for _, m := range msgs {
		if err := tx.DeleteMessage(ctx, m.ID, now); err != nil {
			return 0, model.Time{}, err
		}
		if m.ThreadID != "" && !gone[m.ThreadID] {
			lostReplies[m.ThreadID]++
		}
		if m.ThreadCount > 0 {
			threads = append(threads, m.ID)
		}
	}
	for tmid, lost := range lostReplies {
		parent, err := tx.MessageByID(ctx, tmid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, model.Time{}, err
		}
		parent.ThreadCount = max(0, parent.ThreadCount-lost)
		parent.UpdatedAt = now
		if err := tx.UpdateMessage(ctx, parent); err != nil {
			return 0, model.Time{}, err
		}
		tx.Emit(model.MessageSaved{Message: cloneMessage(parent), RoomType: room.Type, RoomName: room.Name})
		if room.LastMessage != nil && room.LastMessage.ID == parent.ID {
			room.LastMessage = cloneMessage(parent)
		}
	}
	if len(threads) > 0 {
		if err := dropUnreadThreads(ctx, tx, room.ID, threads, now); err != nil {
			return 0, model.Time{}, err
		}
	}
	room.MessageCount = max(0, room.MessageCount-len(msgs))
	if room.LastMessage != nil && gone[room.LastMessage.ID] {
		last, _, err := tx.ListMessages(ctx, store.MessageQuery{RoomID: room.ID, OnlyUserMessages: true, HideThreadReplies: true},
			model.Page{Count: 1, Sort: []model.SortKey{{Field: "ts", Desc: true}}, NoTotal: true})
		if err != nil {
			return 0, model.Time{}, err
		}
		room.LastMessage = nil
		if len(last) > 0 {
			room.LastMessage = last[0]
		}
	}
	if err := saveRoom(ctx, tx, room, now); err != nil {
		return 0, model.Time{}, err
	}
	tx.Emit(model.MessagesPruned{
		RoomID: room.ID, IDs: ids, Oldest: in.Oldest, Latest: in.Latest, Inclusive: in.Inclusive,
		ExcludePinned: in.ExcludePinned, IgnoreDiscussion: in.IgnoreDiscussion, Usernames: in.Usernames,
	})
	return len(msgs), msgs[len(msgs)-1].SentAt, nil
}

// dropUnreadThreads removes removed threads from the members' unread
// thread lists.
func dropUnreadThreads(ctx context.Context, tx store.Tx, rid string, threads []string, now model.Time) error {
	const page = 1000
	for offset := 0; ; offset += page {
		subs, _, err := tx.SubscriptionsOfRoom(ctx, rid, store.MemberQuery{}, model.Page{Offset: offset, Count: page, NoTotal: true})
		if err != nil {
			return err
		}
		for _, sub := range subs {
			drop := func(id string) bool { return slices.Contains(threads, id) }
			before := len(sub.UnreadThreads) + len(sub.UnreadThreadMentions) + len(sub.UnreadThreadGroupMentions)
			sub.UnreadThreads = slices.DeleteFunc(sub.UnreadThreads, drop)
			sub.UnreadThreadMentions = slices.DeleteFunc(sub.UnreadThreadMentions, drop)
			sub.UnreadThreadGroupMentions = slices.DeleteFunc(sub.UnreadThreadGroupMentions, drop)
			if len(sub.UnreadThreads)+len(sub.UnreadThreadMentions)+len(sub.UnreadThreadGroupMentions) == before {
				continue
			}
			sub.UpdatedAt = now
			if err := tx.UpdateSubscription(ctx, sub); err != nil {
				return err
			}
			tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		}
		if len(subs) < page {
			return nil
		}
	}
}
