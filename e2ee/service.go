package e2ee

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// KeyPair is a user's key pair as their client stored it: the public key
// (a JWK as JSON) and the private key encrypted by the client.
type KeyPair struct {
	PublicKey  string
	PrivateKey string
}

// KeyStore keeps the users' key pairs, apart from the user records so
// that no user view, event or export can carry them by accident.
type KeyStore interface {
	// UserE2EKeys returns the user's key pair, nil when they set none.
	UserE2EKeys(ctx context.Context, userID string) (*KeyPair, error)
	// PublicE2EKeys returns the public keys of those of the users who have
	// one, by user id.
	PublicE2EKeys(ctx context.Context, userIDs []string) (map[string]string, error)
	// SetUserE2EKeys stores (replaces) the user's key pair.
	SetUserE2EKeys(ctx context.Context, userID string, k KeyPair, at model.Time) error
	// DeleteUserE2EKeys removes the user's key pair, if any.
	DeleteUserE2EKeys(ctx context.Context, userID string) error
}

// Store is what the service reads and writes: the chat records (rooms and
// subscriptions, changed in transactions that emit their events) and the
// key pairs.
type Store interface {
	store.Store
	KeyStore
}

// Permissions checks a permission of a user, counting their room roles
// when sub is the user's subscription (access.Checker).
type Permissions interface {
	Has(user *model.User, sub *model.Subscription, p perm.ID) bool
}

// Settings reads the E2E_* settings (settings.Registry).
type Settings interface {
	Bool(id setting.ID) bool
}

// Events publishes the key requests, which are relayed, never stored (the bus).
type Events interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// Sessions ends a user's other sessions (auth.Service).
type Sessions interface {
	LogoutOthers(ctx context.Context, userID, keepToken string) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store       Store
	Permissions Permissions
	Settings    Settings
	Events      Events
	Sessions    Sessions
	Now         func() time.Time
}

// Service runs the key exchange.
type Service struct {
	d     Deps
	locks resetLocks
}

// New returns the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d, locks: resetLocks{held: map[string]time.Time{}}}
}

// Limits Rocket.Chat applies.
const (
	// queueLimit bounds the users a room key reset queues for new keys.
	queueLimit = 50
	// waitingLimit bounds the users per room fetchUsersWaitingForGroupKey lists.
	waitingLimit = 50
	// oldKeysLimit bounds the room keys a member keeps from before resets.
	oldKeysLimit = 10
	// resetLockTTL is how long a room key reset holds its room's lock at most.
	resetLockTTL = 10 * time.Second
)

// Errors, with Rocket.Chat's types and reasons.
var (
	ErrInvalidRoom       = model.Invalid("error-invalid-room", "Invalid room").InMethod()
	ErrInvalidKeys       = model.Invalid("error-invalid-keys", "Invalid keys").InMethod()
	ErrKeysAlreadySet    = model.Invalid("error-keys-already-set", "Keys already set").InMethod()
	ErrKeyIDExists       = model.Invalid("error-room-e2e-key-already-exists", "E2E Key ID already exists").InMethod()
	ErrNoSubscription    = model.Invalid("error-subscription-not-found", "Subscription not found").InMethod()
	ErrNoSuggestedKey    = model.Invalid("error-no-suggested-key-available", "No suggested key available").InMethod()
	ErrResetInProgress   = model.Bare(model.KindInvalid, "error-e2e-key-reset-in-progress")
	ErrResetFailed       = model.Bare(model.KindInvalid, "error-e2e-key-reset-failed")
	ErrResetNotAllowed   = model.Bare(model.KindForbidden, "error-not-allowed")
	ErrResetNoAccess     = model.Bare(model.KindInvalid, "error-not-allowed")
	errUserHasNoKeys     = errors.New("e2ee: the user has no keys")
	errRoomNotEncrypted  = errors.New("e2ee: the room has no key id")
	errRoomNotFoundReset = errors.New("e2ee: room not found")
)

func (s *Service) now() model.Time { return model.TimeOf(s.d.Now()) }

// MyKeys returns the caller's own key pair (nil when they set none). It is
// the only way a private key leaves the server, and only to its owner.
func (s *Service) MyKeys(ctx context.Context, user *model.User) (*KeyPair, error) {
	if user == nil {
		return nil, model.ErrInvalidUser
	}
	k, err := s.d.Store.UserE2EKeys(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("e2ee: my keys: %w", err)
	}
	return k, nil
}

// SetKeys stores the caller's key pair. Unless force, a user who already
// has both keys gets error-keys-already-set. The user then waits for a
// copy of the key of every encrypted room they are in without one.
func (s *Service) SetKeys(ctx context.Context, user *model.User, k KeyPair, force bool) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	if k.PublicKey == "" || k.PrivateKey == "" {
		return ErrInvalidKeys
	}
	if !force {
		old, err := s.d.Store.UserE2EKeys(ctx, user.ID)
		if err != nil {
			return fmt.Errorf("e2ee: set keys: %w", err)
		}
		if old != nil && old.PublicKey != "" && old.PrivateKey != "" {
			return ErrKeysAlreadySet
		}
	}
	now := s.now()
	if err := s.d.Store.SetUserE2EKeys(ctx, user.ID, k, now); err != nil {
		return fmt.Errorf("e2ee: set keys: %w", err)
	}
	subs, err := s.d.Store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{})
	if err != nil {
		return fmt.Errorf("e2ee: set keys: %w", err)
	}
	var rids []string
	for _, sub := range subs {
		if sub.E2EKey == "" {
			rids = append(rids, sub.RoomID)
		}
	}
	if len(rids) == 0 {
		return nil
	}
	return s.d.Store.Update(ctx, func(tx store.Tx) error {
		for _, rid := range rids {
			room, err := tx.RoomByID(ctx, rid)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if room.E2EKeyID == "" || !enqueue(room, user.ID, now) {
				continue
			}
			if err := saveRoom(ctx, tx, room, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// UserWithKey is a member without the room key, with their public key.
type UserWithKey struct {
	ID        string
	PublicKey string
}

// UsersWithoutRoomKey lists the members of the room who have a public key
// but no copy of the room key (e2e.getUsersOfRoomWithoutKey).
func (s *Service) UsersWithoutRoomKey(ctx context.Context, user *model.User, rid string) ([]UserWithKey, error) {
	if user == nil {
		return nil, model.ErrInvalidUser
	}
	if rid == "" {
		return nil, ErrInvalidRoom
	}
	if _, err := s.accessibleRoom(ctx, user, rid); err != nil {
		return nil, ErrInvalidRoom
	}
	subs, _, err := s.d.Store.SubscriptionsOfRoom(ctx, rid, store.MemberQuery{}, model.Page{})
	if err != nil {
		return nil, fmt.Errorf("e2ee: users without key: %w", err)
	}
	var ids []string
	for _, sub := range subs {
		if sub.E2EKey == "" {
			ids = append(ids, sub.User.ID)
		}
	}
	keys, err := s.d.Store.PublicE2EKeys(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("e2ee: users without key: %w", err)
	}
	out := []UserWithKey{}
	for _, id := range ids {
		if k, ok := keys[id]; ok {
			out = append(out, UserWithKey{ID: id, PublicKey: k})
		}
	}
	return out, nil
}

// SetRoomKeyID records the id of a room's first key; a room whose key id
// is set keeps it (error-room-e2e-key-already-exists), only a key reset
// changes it.
func (s *Service) SetRoomKeyID(ctx context.Context, user *model.User, rid, keyID string) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	if rid == "" {
		return ErrInvalidRoom
	}
	if keyID == "" {
		return model.ErrMissingParam("keyID")
	}
	if _, err := s.accessibleRoom(ctx, user, rid); err != nil {
		return ErrInvalidRoom
	}
	now := s.now()
	return s.d.Store.Update(ctx, func(tx store.Tx) error {
		room, err := tx.RoomByID(ctx, rid)
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalidRoom
		}
		if err != nil {
			return err
		}
		if room.E2EKeyID != "" {
			return ErrKeyIDExists
		}
		room.E2EKeyID = keyID
		return saveRoom(ctx, tx, room, now)
	})
}

// UpdateGroupKey stores a copy of the room key for uid: the caller's own
// copy (E2EKey, which also takes them off the room's queue) or one offered
// to another member (E2ESuggestedKey, which that member accepts or
// rejects). A caller who is not a member changes nothing, as in
// Rocket.Chat.
func (s *Service) UpdateGroupKey(ctx context.Context, user *model.User, rid, uid, key string) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	now := s.now()
	return s.d.Store.Update(ctx, func(tx store.Tx) error {
		mine, err := subscription(ctx, tx, rid, user.ID)
		if err != nil || mine == nil {
			return err
		}
		if uid == user.ID {
			mine.E2EKey = key
			if err := saveSub(ctx, tx, mine, now); err != nil {
				return err
			}
			return dequeueTx(ctx, tx, rid, []string{user.ID}, now)
		}
		theirs, err := subscription(ctx, tx, rid, uid)
		if err != nil || theirs == nil {
			return err
		}
		theirs.E2ESuggestedKey = key
		return saveSub(ctx, tx, theirs, now)
	})
}

// HandleSuggestedKey accepts (the suggested key becomes the caller's
// E2EKey, with the old keys that came with it) or rejects (the caller
// waits in the queue again) the key another member offered.
func (s *Service) HandleSuggestedKey(ctx context.Context, user *model.User, rid string, accept bool) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	now := s.now()
	return s.d.Store.Update(ctx, func(tx store.Tx) error {
		sub, err := subscription(ctx, tx, rid, user.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			return ErrNoSubscription
		}
		suggested := strings.TrimSpace(sub.E2ESuggestedKey)
		if suggested == "" {
			return ErrNoSuggestedKey
		}
		if accept {
			sub.E2EKey = suggested
			if len(sub.SuggestedOldRoomKeys) > 0 {
				sub.OldRoomKeys = sub.SuggestedOldRoomKeys
			}
			if err := dequeueTx(ctx, tx, rid, []string{user.ID}, now); err != nil {
				return err
			}
		} else {
			room, err := tx.RoomByID(ctx, rid)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if room != nil && enqueue(room, user.ID, now) {
				if err := saveRoom(ctx, tx, room, now); err != nil {
					return err
				}
			}
		}
		sub.E2ESuggestedKey, sub.SuggestedOldRoomKeys = "", nil
		return saveSub(ctx, tx, sub, now)
	})
}

// UsersWaitingForKey lists, for each of the rooms the caller holds the key
// of, up to fifty other members who have a public key and neither a copy
// of the room key nor one offered (e2e.fetchUsersWaitingForGroupKey).
// Rooms nobody waits in are left out; with E2E_Enable off the answer is
// empty.
func (s *Service) UsersWaitingForKey(ctx context.Context, user *model.User, rids []string) (map[string][]UserWithKey, error) {
	if user == nil {
		return nil, model.ErrInvalidUser
	}
	out := map[string][]UserWithKey{}
	if !s.d.Settings.Bool(setting.E2EEnable) {
		return out, nil
	}
	for _, rid := range rids {
		if _, seen := out[rid]; seen {
			continue
		}
		mine, err := subscription(ctx, s.d.Store, rid, user.ID)
		if err != nil {
			return nil, err
		}
		if mine == nil || mine.E2EKey == "" {
			continue // only a member with the key can provide it
		}
		subs, _, err := s.d.Store.SubscriptionsOfRoom(ctx, rid, store.MemberQuery{}, model.Page{})
		if err != nil {
			return nil, fmt.Errorf("e2ee: users waiting: %w", err)
		}
		var ids []string
		for _, sub := range subs {
			if sub.User.ID != user.ID && sub.E2EKey == "" && sub.E2ESuggestedKey == "" {
				ids = append(ids, sub.User.ID)
			}
		}
		keys, err := s.d.Store.PublicE2EKeys(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("e2ee: users waiting: %w", err)
		}
		var users []UserWithKey
		for _, id := range ids {
			if k, ok := keys[id]; ok && len(users) < waitingLimit {
				users = append(users, UserWithKey{ID: id, PublicKey: k})
			}
		}
		if len(users) > 0 {
			out[rid] = users
		}
	}
	return out, nil
}

// SuggestedKey is a copy of a room key one client offers another member.
type SuggestedKey struct {
	UserID  string
	Key     string
	OldKeys []model.OldRoomKey
}

// ProvideSuggestedKeys offers the keys to the members named, by room
// (e2e.provideUsersSuggestedGroupKeys): rooms the caller cannot read are
// skipped, the others' named members get the key as E2ESuggestedKey and
// leave the room's queue. With E2E_Enable off nothing changes.
func (s *Service) ProvideSuggestedKeys(ctx context.Context, user *model.User, byRoom map[string][]SuggestedKey) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	if !s.d.Settings.Bool(setting.E2EEnable) || len(byRoom) == 0 {
		return nil
	}
	rids := make([]string, 0, len(byRoom))
	for rid := range byRoom {
		rids = append(rids, rid)
	}
	sort.Strings(rids)
	now := s.now()
	for _, rid := range rids {
		if _, err := s.accessibleRoom(ctx, user, rid); err != nil {
			continue
		}
		err := s.d.Store.Update(ctx, func(tx store.Tx) error {
			var given []string
			for _, k := range byRoom[rid] {
				sub, err := subscription(ctx, tx, rid, k.UserID)
				if err != nil {
					return err
				}
				if sub == nil {
					continue
				}
				sub.E2ESuggestedKey = k.Key
				if k.OldKeys != nil {
					sub.SuggestedOldRoomKeys = k.OldKeys
				}
				if err := saveSub(ctx, tx, sub, now); err != nil {
					return err
				}
				given = append(given, k.UserID)
			}
			return dequeueTx(ctx, tx, rid, given, now)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ResetRoomKey replaces an encrypted room's key (e2e.resetRoomKey): the
// caller needs toggle-room-e2e-encryption in the room (403 otherwise); one
// reset per room runs at a time (error-e2e-key-reset-in-progress). Every
// member's current key moves to their oldRoomKeys (ten kept, newest
// first), their copies are removed and they queue for the new key; the
// room takes the new key id and the caller the new key.
func (s *Service) ResetRoomKey(ctx context.Context, user *model.User, rid, newKey, newKeyID string) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	sub, err := subscription(ctx, s.d.Store, rid, user.ID)
	if err != nil {
		return err
	}
	if !s.d.Permissions.Has(user, sub, perm.ToggleRoomE2EEncryption) {
		return ErrResetNotAllowed
	}
	if !s.locks.acquire(rid, s.d.Now()) {
		return ErrResetInProgress
	}
	defer s.locks.release(rid)
	if _, err := s.accessibleRoom(ctx, user, rid); err != nil {
		return ErrResetNoAccess
	}
	if err := s.resetRoomKey(ctx, user, rid, newKey, newKeyID); err != nil {
		if _, ok := model.AsError(err); ok || errors.Is(err, errUserHasNoKeys) || errors.Is(err, errRoomNotEncrypted) || errors.Is(err, errRoomNotFoundReset) {
			return ErrResetFailed
		}
		return fmt.Errorf("e2ee: reset room key: %w", err)
	}
	return nil
}

func (s *Service) resetRoomKey(ctx context.Context, user *model.User, rid, newKey, newKeyID string) error {
	keys, err := s.d.Store.UserE2EKeys(ctx, user.ID)
	if err != nil {
		return err
	}
	if keys == nil || keys.PublicKey == "" || keys.PrivateKey == "" {
		return errUserHasNoKeys
	}
	now := s.now()
	return s.d.Store.Update(ctx, func(tx store.Tx) error {
		room, err := tx.RoomByID(ctx, rid)
		if errors.Is(err, store.ErrNotFound) {
			return errRoomNotFoundReset
		}
		if err != nil {
			return err
		}
		if room.E2EKeyID == "" {
			return errRoomNotEncrypted
		}
		subs, _, err := tx.SubscriptionsOfRoom(ctx, rid, store.MemberQuery{}, model.Page{})
		if err != nil {
			return err
		}
		queue := []model.E2EQueueEntry{}
		var mine *model.Subscription
		for _, sub := range subs {
			if sub.User.ID == user.ID {
				mine = sub
			}
			if sub.E2EKey == "" && sub.E2ESuggestedKey == "" {
				continue
			}
			if sub.E2EKey != "" {
				sub.OldRoomKeys = pushOldKey(sub.OldRoomKeys, model.OldRoomKey{KeyID: room.E2EKeyID, At: now, E2EKey: sub.E2EKey})
			}
			sub.E2EKey, sub.E2ESuggestedKey, sub.SuggestedOldRoomKeys = "", "", nil
			if sub.User.ID != user.ID {
				if err := saveSub(ctx, tx, sub, now); err != nil {
					return err
				}
				if len(queue) < queueLimit {
					queue = append(queue, model.E2EQueueEntry{UserID: sub.User.ID, At: now})
				}
			}
		}
		room.E2EKeyID = newKeyID
		room.UsersWaitingForE2EKeys = queue
		if err := saveRoom(ctx, tx, room, now); err != nil {
			return err
		}
		if mine == nil {
			return nil
		}
		mine.E2EKey = newKey
		return saveSub(ctx, tx, mine, now)
	})
}

// pushOldKey puts k first among the old keys (newest first) and keeps ten.
func pushOldKey(old []model.OldRoomKey, k model.OldRoomKey) []model.OldRoomKey {
	sorted := slices.Clone(old)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.After(sorted[j].At.Time) })
	out := append([]model.OldRoomKey{k}, sorted...)
	if len(out) > oldKeysLimit {
		out = out[:oldKeysLimit]
	}
	return out
}

// RequestSubscriptionKeys asks the members of every encrypted room the
// caller has no key for to provide one (e2e.requestSubscriptionKeys): a
// <rid>/e2e.keyRequest event on each room's stream-notify-room.
func (s *Service) RequestSubscriptionKeys(ctx context.Context, user *model.User) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	subs, err := s.d.Store.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{})
	if err != nil {
		return fmt.Errorf("e2ee: request keys: %w", err)
	}
	var events []model.Event
	for _, sub := range subs {
		if sub.E2EKey != "" {
			continue
		}
		room, err := s.d.Store.RoomByID(ctx, sub.RoomID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("e2ee: request keys: %w", err)
		}
		if room.E2EKeyID != "" {
			events = append(events, model.E2EKeyRequest{RoomID: room.ID, KeyID: room.E2EKeyID})
		}
	}
	if len(events) == 0 || s.d.Events == nil {
		return nil
	}
	return s.d.Events.Publish(ctx, events...)
}

// RelayKeyRequest is a member's key request on stream-notify-room-users
// ("<rid>/e2ekeyRequest", rid, keyId): every other member gets it on
// their stream-notify-user "<uid>/e2ekeyRequest". A caller who is not a
// member relays nothing, silently, as Rocket.Chat's stream refuses it.
func (s *Service) RelayKeyRequest(ctx context.Context, user *model.User, rid, keyID string) error {
	if user == nil || rid == "" {
		return nil
	}
	mine, err := subscription(ctx, s.d.Store, rid, user.ID)
	if err != nil || mine == nil {
		return err
	}
	subs, _, err := s.d.Store.SubscriptionsOfRoom(ctx, rid, store.MemberQuery{}, model.Page{})
	if err != nil {
		return fmt.Errorf("e2ee: relay key request: %w", err)
	}
	var to []string
	for _, sub := range subs {
		if sub.User.ID != user.ID {
			to = append(to, sub.User.ID)
		}
	}
	if len(to) == 0 || s.d.Events == nil {
		return nil
	}
	return s.d.Events.Publish(ctx, model.E2EKeyRequest{RoomID: rid, KeyID: keyID, Recipients: to})
}

// ResetOwnKey forgets the caller's key pair and every copy of a room key
// they hold (e2e.resetOwnE2EKey), and ends their other sessions, so that
// their clients set up new keys.
func (s *Service) ResetOwnKey(ctx context.Context, user *model.User, keepToken string) error {
	if user == nil {
		return model.ErrInvalidUser
	}
	if err := s.d.Store.DeleteUserE2EKeys(ctx, user.ID); err != nil {
		return fmt.Errorf("e2ee: reset own key: %w", err)
	}
	now := s.now()
	err := s.d.Store.Update(ctx, func(tx store.Tx) error {
		subs, err := tx.SubscriptionsOfUser(ctx, user.ID, store.SubscriptionQuery{})
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if sub.E2EKey == "" && sub.E2ESuggestedKey == "" {
				continue
			}
			sub.E2EKey, sub.E2ESuggestedKey = "", ""
			if err := saveSub(ctx, tx, sub, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("e2ee: reset own key: %w", err)
	}
	if s.d.Sessions == nil {
		return nil
	}
	return s.d.Sessions.LogoutOthers(ctx, user.ID, keepToken)
}

// accessibleRoom returns the room when user may read it: members always,
// anyone with view-c-room for a public channel (canAccessRoom).
func (s *Service) accessibleRoom(ctx context.Context, user *model.User, rid string) (*model.Room, error) {
	room, err := s.d.Store.RoomByID(ctx, rid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidRoom
	}
	if err != nil {
		return nil, fmt.Errorf("e2ee: read room: %w", err)
	}
	sub, err := subscription(ctx, s.d.Store, rid, user.ID)
	if err != nil {
		return nil, err
	}
	if sub != nil || (room.Type == model.RoomChannel && s.d.Permissions.Has(user, nil, perm.ViewCRoom)) {
		return room, nil
	}
	return nil, ErrInvalidRoom
}

// subscription returns the user's subscription to the room, nil when none.
func subscription(ctx context.Context, r store.Reader, rid, uid string) (*model.Subscription, error) {
	if rid == "" || uid == "" {
		return nil, nil
	}
	sub, err := r.Subscription(ctx, rid, uid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("e2ee: read subscription: %w", err)
	}
	return sub, nil
}

func saveSub(ctx context.Context, tx store.Tx, sub *model.Subscription, now model.Time) error {
	sub.UpdatedAt = now
	if err := tx.UpdateSubscription(ctx, sub); err != nil {
		return err
	}
	c := *sub
	tx.Emit(model.SubscriptionChanged{Action: model.ActionUpdated, Subscription: &c})
	return nil
}

func saveRoom(ctx context.Context, tx store.Tx, room *model.Room, now model.Time) error {
	room.UpdatedAt = now
	if err := tx.UpdateRoom(ctx, room); err != nil {
		return err
	}
	c := *room
	tx.Emit(model.RoomChanged{Action: model.ActionUpdated, Room: &c})
	return nil
}

// enqueue adds uid to the room's queue unless it is there; the queue keeps
// its fifty newest entries. It reports whether the room changed.
func enqueue(room *model.Room, uid string, now model.Time) bool {
	for _, e := range room.UsersWaitingForE2EKeys {
		if e.UserID == uid {
			return false
		}
	}
	q := append(room.UsersWaitingForE2EKeys, model.E2EQueueEntry{UserID: uid, At: now})
	if len(q) > queueLimit {
		q = q[len(q)-queueLimit:]
	}
	room.UsersWaitingForE2EKeys = q
	return true
}

// dequeueTx takes the users off the room's queue.
func dequeueTx(ctx context.Context, tx store.Tx, rid string, uids []string, now model.Time) error {
	if len(uids) == 0 {
		return nil
	}
	room, err := tx.RoomByID(ctx, rid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	q := room.UsersWaitingForE2EKeys[:0:0]
	for _, e := range room.UsersWaitingForE2EKeys {
		if !slices.Contains(uids, e.UserID) {
			q = append(q, e)
		}
	}
	if len(q) == len(room.UsersWaitingForE2EKeys) {
		return nil
	}
	room.UsersWaitingForE2EKeys = q
	return saveRoom(ctx, tx, room, now)
}

// resetLocks are the rooms whose key is being reset on this instance.
type resetLocks struct {
	mu   sync.Mutex
	held map[string]time.Time // room id → when the lock expires
}

func (l *resetLocks) acquire(rid string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until, ok := l.held[rid]; ok && now.Before(until) {
		return false
	}
	l.held[rid] = now.Add(resetLockTTL)
	return true
}

func (l *resetLocks) release(rid string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.held, rid)
}
