// Package invites keeps Rocket.Chat's invitation links to rooms
// (findOrCreateInvite, listInvites, removeInvite, useInviteToken,
// validateInviteToken): a member holding create-invite-links makes a link
// that expires after 0 (never), 1, 7, 15 or 30 days and serves 0
// (unlimited), 1, 5, 10, 25, 50 or 100 new members; whoever opens it
// joins the room. Its endpoints live in invites/invitesapi; its store is
// declared here and implemented by store/sqlite and store/postgres
// (contract suite in invites/invitestest).
package invites

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Invite is an invitation link (model.Invite).
type Invite = model.Invite

// Store keeps the invites.
type Store interface {
	// Invites returns every invite, oldest first.
	Invites(ctx context.Context) ([]*Invite, error)
	// InsertInvite adds inv (store.ErrConflict when its id or token is taken).
	InsertInvite(ctx context.Context, inv *Invite) error
	// InviteByToken returns the invite with that token (store.ErrNotFound).
	InviteByToken(ctx context.Context, token string) (*Invite, error)
	// DeleteInvite removes the invite (store.ErrNotFound when there is none).
	DeleteInvite(ctx context.Context, id string) error
	// UseInvite counts one more use of the invite unless it has served its
	// maxUses already: store.ErrNotFound when it is missing or used up.
	UseInvite(ctx context.Context, id string) error
}

// Permissions answers permission checks (*access.Checker implements it):
// with a subscription, the roles it gives in its room count too.
type Permissions interface {
	Has(user *model.User, sub *model.Subscription, permission perm.ID) bool
}

// Rooms is what invites needs of rooms and memberships (chat.Rooms and
// chat.Members implement it).
type Rooms interface {
	// RoomByID returns the room (store.ErrNotFound when there is none).
	RoomByID(ctx context.Context, id string) (*model.Room, error)
	// Subscription returns the user's subscription to the room, or nil.
	Subscription(ctx context.Context, user *model.User, roomID string) (*model.Subscription, error)
	// AddMembers subscribes users to the room with their join notices.
	AddMembers(ctx context.Context, roomID string, users []*model.User) (*model.Room, error)
}

// Settings reads the settings invite URLs depend on.
type Settings interface {
	String(id setting.ID) string
}

// EventPublisher carries the relayed events (the bus implements it).
type EventPublisher interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// Service manages invites.
type Service struct {
	store    Store
	perms    Permissions
	rooms    Rooms
	settings Settings
	now      func() time.Time
	events   EventPublisher
}

// SetEvents has the service tell creators of their new links
// (model.InviteCreated, Rocket.Chat's notify.updateInvites). Call it once,
// at wiring.
func (s *Service) SetEvents(p EventPublisher) { s.events = p }

// New returns a Service; now is the server clock (time.Now when nil).
func New(s Store, perms Permissions, rooms Rooms, settings Settings, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, perms: perms, rooms: rooms, settings: settings, now: now}
}

// Rocket.Chat's errors.
var (
	// ErrNotAuthorized is the refusal of a caller without create-invite-links.
	ErrNotAuthorized = model.Invalid("not_authorized", "")
	// ErrInvalidToken answers a token that names no invite.
	ErrInvalidToken = model.Invalid("error-invalid-token", "The invite token is invalid.").
			WithDetails(map[string]any{"method": "validateInviteToken", "field": "token"})
	errInvalidRoom = model.Invalid("error-invalid-room", "The rid field is invalid").
			WithDetails(map[string]any{"method": "findOrCreateInvite", "field": "rid"})
)

var (
	possibleDays = []int{0, 1, 7, 15, 30}
	possibleUses = []int{0, 1, 5, 10, 25, 50, 100}
)

// invitable reports whether links may bring members into the room:
// channels and private groups (discussions and teams' rooms included),
// not direct conversations.
func invitable(room *model.Room) bool {
	return room.Type == model.RoomChannel || room.Type == model.RoomPrivate
}

// FindOrCreate returns the caller's unexpired invite to the room with the
// same days and maxUses, or a new one. The caller needs
// create-invite-links (room roles count) and a subscription to the room.
func (s *Service) FindOrCreate(ctx context.Context, actor *model.User, roomID string, days, maxUses int) (*Invite, error) {
	if roomID == "" {
		return nil, model.Invalid("error-the-field-is-required", "The field rid is required").
			WithDetails(map[string]any{"method": "findOrCreateInvite", "field": "rid"})
	}
	sub, err := s.rooms.Subscription(ctx, actor, roomID)
	if err != nil {
		return nil, fmt.Errorf("invites: subscription: %w", err)
	}
	if !s.perms.Has(actor, sub, perm.CreateInviteLinks) {
		return nil, ErrNotAuthorized
	}
	if sub == nil {
		return nil, errInvalidRoom
	}
	room, err := s.rooms.RoomByID(ctx, roomID)
	if err != nil {
		return nil, errInvalidRoom
	}
	if !invitable(room) {
		return nil, model.Invalid("error-room-type-not-allowed", "Cannot create invite links for this room type").
			WithDetails(map[string]any{"method": "findOrCreateInvite"})
	}
	if !slices.Contains(possibleDays, days) {
		return nil, model.Invalid("invalid-number-of-days", "Invite should expire in 1, 7, 15 or 30 days, or send 0 to never expire.")
	}
	if !slices.Contains(possibleUses, maxUses) {
		return nil, model.Invalid("invalid-number-of-uses", "Invite should be valid for 1, 5, 10, 25, 50, 100 or infinite (0) uses.")
	}
	now := s.now()
	all, err := s.store.Invites(ctx)
	if err != nil {
		return nil, fmt.Errorf("invites: list: %w", err)
	}
	for _, inv := range all {
		if inv.UserID == actor.ID && inv.RoomID == roomID && inv.MaxUses == maxUses && inv.Days == days && !expired(inv, now) &&
			(inv.MaxUses == 0 || inv.Uses < inv.MaxUses) {
			inv.URL = s.url(inv)
			return inv, nil
		}
	}
	inv := &Invite{ID: randomHex(8), Token: randomUUID(), RoomID: roomID, UserID: actor.ID, Days: days, MaxUses: maxUses,
		CreatedAt: model.TimeOf(now), UpdatedAt: model.TimeOf(now)}
	if days > 0 {
		exp := model.TimeOf(now.AddDate(0, 0, days))
		inv.Expires = &exp
	}
	if err := s.store.InsertInvite(ctx, inv); err != nil {
		return nil, fmt.Errorf("invites: insert: %w", err)
	}
	inv.URL = s.url(inv)
	if s.events != nil {
		// The link exists: a lost notice only leaves the creator's open
		// invite list to be refreshed by hand.
		_ = s.events.Publish(ctx, model.InviteCreated{Invite: *inv})
	}
	return inv, nil
}

func expired(inv *Invite, now time.Time) bool {
	return inv.Expires != nil && !inv.Expires.After(now)
}

// List returns every invite (create-invite-links, as a global permission).
func (s *Service) List(ctx context.Context, actor *model.User) ([]*Invite, error) {
	if !s.perms.Has(actor, nil, perm.CreateInviteLinks) {
		return nil, ErrNotAuthorized
	}
	all, err := s.store.Invites(ctx)
	if err != nil {
		return nil, fmt.Errorf("invites: list: %w", err)
	}
	if all == nil {
		all = []*Invite{}
	}
	return all, nil
}

// Remove deletes an invite (create-invite-links, as a global permission).
func (s *Service) Remove(ctx context.Context, actor *model.User, id string) error {
	if !s.perms.Has(actor, nil, perm.CreateInviteLinks) {
		return ErrNotAuthorized
	}
	if id == "" {
		return model.Invalid("error-the-field-is-required", "The field _id is required").
			WithDetails(map[string]any{"method": "removeInvite", "field": "_id"})
	}
	err := s.store.DeleteInvite(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return model.Invalid("invalid-invitation-id", "Invalid Invitation _id").WithDetails(map[string]any{"method": "removeInvite"})
	}
	if err != nil {
		return fmt.Errorf("invites: delete: %w", err)
	}
	return nil
}

// Validate returns the invite a token names and its room, or Rocket.Chat's
// error: an unknown token (or a deleted room), an expired or used-up invite.
func (s *Service) Validate(ctx context.Context, token string) (*Invite, *model.Room, error) {
	if token == "" {
		return nil, nil, ErrInvalidToken
	}
	inv, err := s.store.InviteByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("invites: find: %w", err)
	}
	room, err := s.rooms.RoomByID(ctx, inv.RoomID)
	if err != nil {
		return nil, nil, model.Invalid("error-invalid-room", "The invite token is invalid.").
			WithDetails(map[string]any{"method": "validateInviteToken", "field": "rid"})
	}
	if expired(inv, s.now()) {
		return nil, nil, model.Invalid("error-invite-expired", "The invite token has expired.").
			WithDetails(map[string]any{"method": "validateInviteToken", "field": "expires"})
	}
	if inv.MaxUses > 0 && inv.Uses >= inv.MaxUses {
		return nil, nil, errUsedUp
	}
	return inv, room, nil
}

// ValidInviteToken reports whether token names a usable invite (known,
// its room present, not expired, not used up): Rocket.Chat lets such a
// token stand for the secret URL of registration.
func (s *Service) ValidInviteToken(ctx context.Context, token string) bool {
	_, _, err := s.Validate(ctx, token)
	return err == nil
}

var errUsedUp = model.Invalid("error-invite-expired", "The invite token has expired.").
	WithDetails(map[string]any{"method": "validateInviteToken", "field": "maxUses"})

// Use makes user a member of the invite's room: the use counts when the
// user was not a member yet (the last use of a limited invite goes to
// whoever counts it first). It returns the room.
func (s *Service) Use(ctx context.Context, user *model.User, token string) (*model.Room, error) {
	if token == "" {
		return nil, model.Invalid("error-invalid-token", "The invite token is invalid.").
			WithDetails(map[string]any{"method": "useInviteToken", "field": "token"})
	}
	inv, room, err := s.Validate(ctx, token)
	if err != nil {
		return nil, err
	}
	if !invitable(room) {
		return nil, model.Invalid("error-room-type-not-allowed", "Can't join room of this type via invite").
			WithDetails(map[string]any{"method": "useInviteToken", "field": "token"})
	}
	sub, err := s.rooms.Subscription(ctx, user, room.ID)
	if err != nil {
		return nil, fmt.Errorf("invites: subscription: %w", err)
	}
	if sub != nil {
		return room, nil
	}
	err = s.store.UseInvite(ctx, inv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUsedUp // removed or used up since Validate
	}
	if err != nil {
		return nil, fmt.Errorf("invites: use: %w", err)
	}
	joined, err := s.rooms.AddMembers(ctx, room.ID, []*model.User{user})
	if err != nil {
		return nil, err
	}
	return joined, nil
}

// url is the link Rocket.Chat gives out: <Site_Url>/invite/<token> when
// Accounts_Registration_InviteUrlType is "direct", otherwise the deep link
// through DeepLink_Url (go.rocket.chat by default), which opens the
// mobile app or the workspace.
func (s *Service) url(inv *Invite) string {
	site := strings.TrimRight(s.settings.String(setting.SiteURL), "/")
	path := "invite/" + inv.Token
	if s.settings.String(setting.AccountsRegistrationInviteUrlType) == "direct" {
		return site + "/" + path
	}
	base := strings.TrimRight(s.settings.String(setting.DeepLinkURL), "/")
	host := schemePrefix.ReplaceAllString(site, "")
	return base + "/invite?" + url.Values{"host": {host}, "path": {path}}.Encode()
}

var schemePrefix = regexp.MustCompile(`^https?://`)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomUUID is a version 4 UUID, as Node's crypto.randomUUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
