package chat

import (
	"context"
	"errors"

	"liftoff/model"
	"liftoff/store"
)

// Removed identifies a record removed since a sync point, as Rocket.Chat's
// rooms.get and subscriptions.get list them under "remove".
type Removed struct {
	ID        string
	DeletedAt model.Time
}

// SyncRooms returns the rooms user is subscribed to. With a non-zero since,
// only the rooms that changed (or that user joined) after since are in
// update, and remove lists the rooms user lost after since: rooms that were
// deleted and rooms user left or was removed from (both leave subscription
// tombstones), unless user is a member again.
func (s *Rooms) SyncRooms(ctx context.Context, user *model.User, since model.Time) (update []*model.Room, remove []Removed, err error) {
	subs, err := s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{})
	if err != nil {
		return nil, nil, internal("sync rooms", err)
	}
	member := make(map[string]bool, len(subs))
	joined := make(map[string]bool, len(subs))
	ids := make([]string, 0, len(subs))
	for _, sub := range subs {
		member[sub.RoomID] = true
		ids = append(ids, sub.RoomID)
		if !since.IsZero() && sub.JoinedAt.After(since.Time) {
			joined[sub.RoomID] = true
		}
	}
	update = []*model.Room{}
	if len(ids) > 0 {
		rooms, err := s.store.RoomsByIDs(ctx, ids)
		if err != nil {
			return nil, nil, internal("sync rooms", err)
		}
		for _, r := range rooms {
			if since.IsZero() || r.UpdatedAt.After(since.Time) || joined[r.ID] {
				update = append(update, r)
			}
		}
	}
	remove = []Removed{}
	if since.IsZero() {
		return update, remove, nil
	}
	gone, _, err := s.store.Deleted(ctx, store.DeletedQuery{Kind: store.KindSubscription, UserID: user.ID, Since: since}, model.Page{})
	if err != nil {
		return nil, nil, internal("sync rooms", err)
	}
	latest := map[string]model.Time{}
	for _, t := range gone {
		if member[t.RoomID] {
			continue
		}
		if at, ok := latest[t.RoomID]; !ok || t.DeletedAt.After(at.Time) {
			latest[t.RoomID] = t.DeletedAt
		}
	}
	for _, t := range gone { // keep the tombstones' order, one entry per room
		if at, ok := latest[t.RoomID]; ok {
			remove = append(remove, Removed{ID: t.RoomID, DeletedAt: at})
			delete(latest, t.RoomID)
		}
	}
	return update, remove, nil
}

// SyncSubscriptions returns user's subscriptions; with a non-zero since,
// only those updated after since, and in remove the subscriptions deleted
// after since (rooms left or deleted).
func (s *Members) SyncSubscriptions(ctx context.Context, user *model.User, since model.Time) (update []*model.Subscription, remove []Removed, err error) {
	update, err = s.store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{UpdatedSince: since})
	if err != nil {
		return nil, nil, internal("sync subscriptions", err)
	}
	if update == nil {
		update = []*model.Subscription{}
	}
	remove = []Removed{}
	if since.IsZero() {
		return update, remove, nil
	}
	gone, _, err := s.store.Deleted(ctx, store.DeletedQuery{Kind: store.KindSubscription, UserID: user.ID, Since: since}, model.Page{})
	if err != nil {
		return nil, nil, internal("sync subscriptions", err)
	}
	for _, t := range gone {
		remove = append(remove, Removed{ID: t.ID, DeletedAt: t.DeletedAt})
	}
	return update, remove, nil
}

// // Members
// Subscription returns user's subscription to a room, or nil when user is
// not a member.
func (s *Members) Subscription(ctx context.Context, user *model.User, roomID string) (*model.Subscription, error) {
	return s.subscription(ctx, user, roomID)
}

// subscription is Subscription, shared by the area services.
func (s *core) subscription(ctx context.Context, user *model.User, roomID string) (*model.Subscription, error) {
	sub, err := s.store.Subscription(ctx, roomID, user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("subscription", err)
	}
	return sub, nil
}

var errInvalidSubscription = model.Invalid("error-invalid-subscription", "Invalid subscription")

// updateOwnSubscription changes user's subscription to a room in one
// transaction and emits SubscriptionChanged when fn reports a change.
// notFound is the error when user has no subscription.
func (s *core) updateOwnSubscription(ctx context.Context, user *model.User, roomID string, notFound error, fn func(sub *model.Subscription, now model.Time) (bool, error)) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := tx.Subscription(ctx, roomID, user.ID)
		if errors.Is(err, store.ErrNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		now := s.nowTime()
		changed, err := fn(sub, now)
		if err != nil || !changed {
			return err
		}
		sub.UpdatedAt = now
		if err := tx.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: sub})
		return nil
	})
	return internal("update subscription", err)
}

// MarkRead marks a room read for user, as Rocket.Chat's readMessages does:
// the subscription is opened, unread and mention counters are cleared and
// ls is set to now. With readThreads the thread unread lists are cleared
// too; without, the alert stays on while unread threads remain.
func (s *Members) MarkRead(ctx context.Context, user *model.User, roomID string, readThreads bool) error {
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user")
	}
	room, err := s.store.RoomByID(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidSubscription
	}
	if err != nil {
		return internal("mark read", err)
	}
	if err := s.canAccessRoom(ctx, user, room); err != nil {
		return model.Forbidden("error-not-allowed", "Not allowed")
	}
	var seen model.Time
	err = s.updateOwnSubscription(ctx, user, roomID, errInvalidSubscription, func(sub *model.Subscription, now model.Time) (bool, error) {
		sub.Alert = sub.Alert && !readThreads && len(sub.UnreadThreads) > 0
		sub.Open = true
		sub.Unread, sub.UserMentions, sub.GroupMentions = 0, 0, 0
		sub.LastSeen = now
		seen = now
		if readThreads {
			sub.UnreadThreads, sub.UnreadThreadMentions, sub.UnreadThreadGroupMentions = nil, nil, nil
		}
		return true, nil
	})
	if err == nil && s.receipts != nil {
		s.receipts.RoomRead(ctx, user, roomID, seen)
	}
	return err
}

// MarkUnread marks part of a room unread for user, as Rocket.Chat's
// unreadMessages does. With a message id, the room reads as unread from
// that message on (it must be someone else's message); with only a room
// id, from the room's last message. The subscription gets alert and open,
// and ls moves back to the message's time.
func (s *Members) MarkUnread(ctx context.Context, user *model.User, roomID, messageID string) error {
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	notAllowed := model.Forbidden("error-action-not-allowed", "Not allowed").WithDetails(map[string]any{"action": "Unread_messages"}).InMethod()
	noSub := model.NotFound("error-subscription-not-found", "Subscription not found").WithDetails(map[string]any{"action": "Unread_messages"}).InMethod()
	var from *model.Message
	if messageID != "" {
		m, err := s.store.MessageByID(ctx, messageID)
		if errors.Is(err, store.ErrNotFound) {
			return notAllowed
		}
		if err != nil {
			return internal("mark unread", err)
		}
		if m.Author.ID == user.ID {
			return notAllowed
		}
		from = m
	} else {
		msgs, _, err := s.store.ListMessages(ctx, store.MessageQuery{RoomID: roomID}, model.Page{Count: 1, Sort: []model.SortKey{{Field: "ts", Desc: true}}, NoTotal: true})
		if err != nil {
			return internal("mark unread", err)
		}
		if len(msgs) == 0 {
			return notAllowed
		}
		from = msgs[0]
	}
	return s.updateOwnSubscription(ctx, user, from.RoomID, noSub, func(sub *model.Subscription, now model.Time) (bool, error) {
		if messageID != "" && !sub.LastSeen.IsZero() && !from.SentAt.Before(sub.LastSeen.Time) {
			return false, nil // already unread
		}
		sub.Open, sub.Alert, sub.LastSeen = true, true, from.SentAt
		return true, nil
	})
}

// SetFavorite stars or unstars a room in user's list (the subscription's f).
func (s *Members) SetFavorite(ctx context.Context, user *model.User, roomID string, favorite bool) error {
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	notMember := model.Invalid("error-invalid-subscription", "You must be part of a room to favorite it").InMethod()
	return s.updateOwnSubscription(ctx, user, roomID, notMember, func(sub *model.Subscription, _ model.Time) (bool, error) {
		if sub.Favorite == favorite {
			return false, nil
		}
		sub.Favorite = favorite
		return true, nil
	})
}

// OpenRoom shows a room in user's room list again (the subscription's open).
func (s *Members) OpenRoom(ctx context.Context, user *model.User, roomID string) error {
	return s.openRoom(ctx, user, roomID)
}

// openRoom is OpenRoom, shared by the area services.
func (s *core) openRoom(ctx context.Context, user *model.User, roomID string) error {
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	return s.updateOwnSubscription(ctx, user, roomID, errInvalidSubscription, func(sub *model.Subscription, _ model.Time) (bool, error) {
		if sub.Open {
			return false, nil
		}
		sub.Open = true
		return true, nil
	})
}

// HideRoom hides a room from user's room list (open and alert off) without
// leaving it; a new message opens it again.
func (s *Members) HideRoom(ctx context.Context, user *model.User, roomID string) error {
	return s.hideRoom(ctx, user, roomID)
}

// hideRoom is HideRoom, shared by the area services.
func (s *core) hideRoom(ctx context.Context, user *model.User, roomID string) error {
	if user == nil {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	return s.updateOwnSubscription(ctx, user, roomID, errInvalidSubscription, func(sub *model.Subscription, _ model.Time) (bool, error) {
		if !sub.Open && !sub.Alert {
			return false, nil
		}
		sub.Open, sub.Alert = false, false
		return true, nil
	})
}

// ReadThread marks a thread read for user, as Rocket.Chat's readThread
// does when a member opens a thread: the thread leaves the subscription's
// tunread, tunreadUser and tunreadGroup lists, and when it was the last
// unread thread the subscription's alert goes off. Users who are not
// members, or for whom the thread is not unread, are left as they are.
func (s *Members) ReadThread(ctx context.Context, user *model.User, roomID, tmid string) error {
	if user == nil || roomID == "" || tmid == "" {
		return nil
	}
	err := s.updateOwnSubscription(ctx, user, roomID, errNoSubscription, func(sub *model.Subscription, now model.Time) (bool, error) {
		if !contains(sub.UnreadThreads, tmid) && !contains(sub.UnreadThreadMentions, tmid) && !contains(sub.UnreadThreadGroupMentions, tmid) {
			return false, nil
		}
		if len(sub.UnreadThreads) == 1 && sub.UnreadThreads[0] == tmid {
			sub.Alert = false
		}
		sub.UnreadThreads = without(sub.UnreadThreads, tmid)
		sub.UnreadThreadMentions = without(sub.UnreadThreadMentions, tmid)
		sub.UnreadThreadGroupMentions = without(sub.UnreadThreadGroupMentions, tmid)
		return true, nil
	})
	if errors.Is(err, errNoSubscription) {
		return nil
	}
	return err
}

// errNoSubscription tells ReadThread's update that there was nothing to read.
var errNoSubscription = model.Invalid("error-invalid-subscription", "Invalid subscription")
