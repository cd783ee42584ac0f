// Package receipts keeps Rocket.Chat's read receipts (an enterprise
// feature there, free here). While Message_Read_Receipt_Enabled is on, a
// new message carries unread: true (set by chat when it is stored) until
// every member of the room other than its sender has read past it (their
// subscription's ls at or after the message's ts); then the flag is
// cleared and the change reaches the room as a message update. With
// Message_Read_Receipt_Store_Users on as well, a receipt (message, user,
// time) is kept when a user marks a room read, and for the sender when the
// message is sent; chat.getMessageReadReceipts and the DDP method
// getReadReceipts list them.
//
// The service follows the chat service after the fact (chat calls
// MessageSent and RoomRead once its own write has committed): with the
// setting off both return at once, so marking a room read stays one write.
// Its endpoints live in receipts/receiptsapi; its store is declared here
// and implemented by store/sqlite and store/postgres (contract suite in
// receipts/receiptstest).
package receipts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Receipt records that a user read a message (Rocket.Chat's IReadReceipt).
// Its id is the message id followed by the user id, so a user has at most
// one receipt per message.
type Receipt struct {
	ID        string
	RoomID    string
	UserID    string
	MessageID string
	At        model.Time // when the user read the message
}

// Unread is a message still flagged unread: its id, its time and its
// sender.
type Unread struct {
	ID       string
	SentAt   model.Time
	AuthorID string
}

// Store keeps the receipts and answers the reads the flag's rule needs.
type Store interface {
	// UnreadMessages returns the room's messages flagged unread, oldest
	// first.
	UnreadMessages(ctx context.Context, roomID string) ([]Unread, error)
	// LastSeenOfMembers returns every member's last-seen time (the
	// subscription's ls, zero when the room was never read) by user id.
	LastSeenOfMembers(ctx context.Context, roomID string) (map[string]model.Time, error)
	// InsertReceipts stores the receipts, skipping any whose id is taken.
	InsertReceipts(ctx context.Context, rs []Receipt) error
	// ReceiptsOfMessage returns a message's receipts, oldest first (ties
	// in insertion order), skipping offset and at most count of them
	// (every one when count is 0 or less).
	ReceiptsOfMessage(ctx context.Context, messageID string, offset, count int) ([]Receipt, error)
}

// Messages reads messages and users and writes the cleared flags (the
// core store implements it).
type Messages interface {
	MessageByID(ctx context.Context, id string) (*model.Message, error)
	UsersByIDs(ctx context.Context, ids []string) ([]*model.User, error)
	Update(ctx context.Context, fn func(tx store.Tx) error) error
}

// Access decides whether a user may read a room (chat.Rooms implements
// it): a nil error when so.
type Access interface {
	CanAccessRoom(ctx context.Context, user *model.User, room *model.Room) error
}

// Rooms finds rooms.
type Rooms interface {
	RoomByID(ctx context.Context, id string) (*model.Room, error)
}

// Settings reads the two settings of the feature.
type Settings interface {
	Bool(id setting.ID) bool
}

// Deps are the collaborators of the service.
type Deps struct {
	Store    Store
	Messages Messages
	Rooms    Rooms
	Access   Access
	Settings Settings
	Logger   *slog.Logger
	// Now is the server clock (time.Now when nil).
	Now func() time.Time
}

// Service keeps the unread flags and the receipts.
type Service struct {
	d Deps
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{d: d}
}

// Enabled reports whether read receipts are on (Message_Read_Receipt_Enabled).
func (s *Service) Enabled() bool { return s.d.Settings.Bool(setting.MessageReadReceiptEnabled) }

func (s *Service) storeUsers() bool {
	return s.Enabled() && s.d.Settings.Bool(setting.MessageReadReceiptStoreUsers)
}

// MessageSent records the sender's own receipt of a new message when
// receipts are stored per user. Failures are logged: the message is sent.
func (s *Service) MessageSent(ctx context.Context, msg *model.Message) {
	if !msg.Unread || !s.storeUsers() {
		return
	}
	r := Receipt{ID: msg.ID + msg.Author.ID, RoomID: msg.RoomID, UserID: msg.Author.ID, MessageID: msg.ID, At: model.TimeOf(s.d.Now())}
	if err := s.d.Store.InsertReceipts(ctx, []Receipt{r}); err != nil {
		s.d.Logger.Error("read receipts: sender's receipt", "message", msg.ID, "err", err)
	}
}

// RoomRead follows user marking the room read at time at (their new ls):
// it stores user's receipts of the messages still flagged unread up to
// that time, and clears the flag of those every member other than their
// sender has now read. Failures are logged: the room was read.
func (s *Service) RoomRead(ctx context.Context, user *model.User, roomID string, at model.Time) {
	if user == nil || !s.Enabled() {
		return
	}
	if err := s.roomRead(ctx, user, roomID, at); err != nil {
		s.d.Logger.Error("read receipts: room read", "room", roomID, "user", user.ID, "err", err)
	}
}

func (s *Service) roomRead(ctx context.Context, user *model.User, roomID string, at model.Time) error {
	unread, err := s.d.Store.UnreadMessages(ctx, roomID)
	if err != nil || len(unread) == 0 {
		return err
	}
	if s.storeUsers() {
		now := model.TimeOf(s.d.Now())
		var rs []Receipt
		for _, m := range unread {
			if !m.SentAt.After(at.Time) {
				rs = append(rs, Receipt{ID: m.ID + user.ID, RoomID: roomID, UserID: user.ID, MessageID: m.ID, At: now})
			}
		}
		if len(rs) > 0 {
			if err := s.d.Store.InsertReceipts(ctx, rs); err != nil {
				return fmt.Errorf("insert: %w", err)
			}
		}
	}
	seen, err := s.d.Store.LastSeenOfMembers(ctx, roomID)
	if err != nil {
		return fmt.Errorf("last seen: %w", err)
	}
	read := ReadByAll(unread, seen)
	if len(read) == 0 {
		return nil
	}
	return s.clear(ctx, roomID, read)
}

// ReadByAll returns the ids of the messages every member other than their
// sender has read (ls at or after the message's ts; a member who never
// read the room has read nothing). A message whose sender is alone is read.
func ReadByAll(unread []Unread, lastSeen map[string]model.Time) []string {
	// The earliest two last-seen times, and whose the earliest is, answer
	// "the earliest of everyone but the sender" for every message.
	var first, second time.Time
	firstUser, haveFirst, haveSecond := "", false, false
	for uid, ls := range lastSeen {
		switch {
		case !haveFirst || ls.Before(first):
			if haveFirst {
				second, haveSecond = first, true
			}
			first, firstUser, haveFirst = ls.Time, uid, true
		case !haveSecond || ls.Before(second):
			second, haveSecond = ls.Time, true
		}
	}
	var out []string
	for _, m := range unread {
		min, ok := first, haveFirst
		if firstUser == m.AuthorID {
			min, ok = second, haveSecond
		}
		if !ok || (!min.IsZero() && !min.Before(m.SentAt.Time)) {
			out = append(out, m.ID)
		}
	}
	return out
}

// clear removes the unread flag of the messages and sends each changed
// message to the room.
func (s *Service) clear(ctx context.Context, roomID string, ids []string) error {
	return s.d.Messages.Update(ctx, func(tx store.Tx) error {
		room, err := tx.RoomByID(ctx, roomID)
		if err != nil {
			return fmt.Errorf("room: %w", err)
		}
		now := model.TimeOf(s.d.Now())
		for _, id := range ids {
			m, err := tx.MessageByID(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("message: %w", err)
			}
			if !m.Unread {
				continue
			}
			c := *m
			c.Unread = false
			c.UpdatedAt = now
			if err := tx.UpdateMessage(ctx, &c); err != nil {
				return fmt.Errorf("update message: %w", err)
			}
			tx.Emit(model.MessageSaved{Message: &c, RoomType: room.Type, RoomName: room.Name})
		}
		return nil
	})
}

// UserRef is the reader as a receipt shows them.
type UserRef struct {
	ID       string
	Username string
	Name     string
}

// WithUser is a receipt with its reader (IReadReceiptWithUser); User is
// nil when the reader's account is gone.
type WithUser struct {
	Receipt
	User *UserRef
}

// Rocket.Chat's errors.
var (
	errInvalidMessage = model.Invalid("error-invalid-message", "Invalid message").
				WithDetails(map[string]any{"method": "getReadReceipts"})
	errInvalidRoom = model.Invalid("error-invalid-room", "Invalid room").
			WithDetails(map[string]any{"method": "getReadReceipts"})
	errInvalidUser = model.Invalid("error-invalid-user", "Invalid user").
			WithDetails(map[string]any{"method": "getReadReceipts"})
)

// Receipts lists who read a message, for a user who may read its room;
// offset and count page the list (count 0: all). It returns
// error-invalid-message for an unknown message and error-invalid-room when
// the user may not read the room (Rocket.Chat's getReadReceiptsFunction).
func (s *Service) Receipts(ctx context.Context, user *model.User, messageID string, offset, count int) ([]WithUser, error) {
	if user == nil {
		return nil, errInvalidUser
	}
	msg, err := s.d.Messages.MessageByID(ctx, messageID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && msg.Hidden) {
		return nil, errInvalidMessage
	}
	if err != nil {
		return nil, fmt.Errorf("receipts: message: %w", err)
	}
	room, err := s.d.Rooms.RoomByID(ctx, msg.RoomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidRoom
	}
	if err != nil {
		return nil, fmt.Errorf("receipts: room: %w", err)
	}
	if err := s.d.Access.CanAccessRoom(ctx, user, room); err != nil {
		return nil, errInvalidRoom
	}
	rs, err := s.d.Store.ReceiptsOfMessage(ctx, messageID, offset, count)
	if err != nil {
		return nil, fmt.Errorf("receipts: list: %w", err)
	}
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.UserID)
	}
	users, err := s.d.Messages.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("receipts: users: %w", err)
	}
	byID := make(map[string]*model.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]WithUser, 0, len(rs))
	for _, r := range rs {
		w := WithUser{Receipt: r}
		if u := byID[r.UserID]; u != nil {
			w.User = &UserRef{ID: u.ID, Username: u.Username, Name: u.Name}
		}
		out = append(out, w)
	}
	return out, nil
}
