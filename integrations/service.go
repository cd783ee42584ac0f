package integrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/integrations/script"
	"liftoff/integrations/webhook"
	"liftoff/model"
	"liftoff/store"
)

// Permissions answers global permission checks (chat.Admin).
type Permissions interface {
	Can(user *model.User, p perm.ID) bool
}

// Roles grants the bot role to integrations' users (chat.Admin).
type Roles interface {
	GrantRole(ctx context.Context, userID, roleID string) error
}

// Chat posts the messages of integrations (chat.Messages and chat.Rooms).
type Chat interface {
	SendMessage(ctx context.Context, user *model.User, in chat.SendInput) (*model.Message, error)
	CreateDirect(ctx context.Context, user *model.User, usernames []string, excludeSelf bool) (*model.Room, error)
	Join(ctx context.Context, user *model.User, ref chat.RoomRef, joinCode string) (*model.Room, error)
}

// Scripts runs integration scripts (*script.Engine).
type Scripts interface {
	Check(source string) *script.Error
	ProcessIncomingRequest(ctx context.Context, s script.Script, req script.IncomingRequest) (*script.IncomingOutcome, error)
}

// Deps are what a Service uses.
type Deps struct {
	Store       store.Integrations
	Data        store.Reader // users, rooms, subscriptions
	Permissions Permissions
	Roles       Roles
	Chat        Chat
	Scripts     Scripts
	Logger      *slog.Logger
	Now         func() time.Time
}

// Service is the integrations service.
type Service struct {
	d Deps
	// outgoing is set by StartOutgoing.
	out *outgoing
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

func (s *Service) now() model.Time { return model.TimeOf(s.d.Now()) }

func (s *Service) can(u *model.User, p perm.ID) bool { return s.d.Permissions.Can(u, p) }

// Errors Rocket.Chat's integration methods raise.
var (
	errNotAuthorized      = model.Forbidden("not_authorized", "Unauthorized")
	errInvalidIntegration = model.Invalid("error-invalid-integration", "Invalid integration")
	// ErrNoIntegration is REST's "No integration found." failure.
	ErrNoIntegration = model.Bare(model.KindInvalid, "No integration found.")
	// ErrDoesNotExist is integrations.get's failure.
	ErrDoesNotExist     = model.Bare(model.KindInvalid, "The integration does not exists.")
	errNotAuthorizedGet = model.Bare(model.KindForbidden, "not-authorized")
	errInvalidType      = model.Bare(model.KindInvalid, "Invalid integration type.")
)

// Input is an integration as a client submits it (integrations.create and
// integrations.update bodies, and the add/update methods' argument).
type Input struct {
	Type                              string   `json:"type"`
	Name                              string   `json:"name"`
	Enabled                           bool     `json:"enabled"`
	Username                          string   `json:"username"`
	Channel                           string   `json:"channel"`
	Alias                             string   `json:"alias"`
	Avatar                            string   `json:"avatar"`
	Emoji                             string   `json:"emoji"`
	ScriptEnabled                     bool     `json:"scriptEnabled"`
	Script                            string   `json:"script"`
	ScriptEngine                      string   `json:"scriptEngine"`
	OverrideDestinationChannelEnabled bool     `json:"overrideDestinationChannelEnabled"`
	Event                             string   `json:"event"`
	URLs                              []string `json:"urls"`
	TriggerWords                      []string `json:"triggerWords"`
	TriggerWordAnywhere               bool     `json:"triggerWordAnywhere"`
	ImpersonateUser                   bool     `json:"impersonateUser"`
	RunOnEdits                        bool     `json:"runOnEdits"`
	RetryFailedCalls                  bool     `json:"retryFailedCalls"`
	RetryCount                        any      `json:"retryCount"`
	RetryDelay                        string   `json:"retryDelay"`
	TargetRoom                        string   `json:"targetRoom"`
	Token                             string   `json:"token"`
	// IntegrationID and TargetURL name the integration to update or remove.
	IntegrationID string `json:"integrationId"`
	TargetURL     string `json:"target_url"`
}

// kindOf is "incoming" or "outgoing" for an integration type.
func permsOf(typ string) (all, own perm.ID) {
	if typ == model.IntegrationIncoming {
		return perm.ManageIncomingIntegrations, perm.ManageOwnIncomingIntegrations
	}
	return perm.ManageOutgoingIntegrations, perm.ManageOwnOutgoingIntegrations
}

// canManage tells whether actor may change or see it: the manage
// permission of its type, or the own one for its creator.
func (s *Service) canManage(actor *model.User, it *model.Integration) bool {
	all, own := permsOf(it.Type)
	return s.can(actor, all) || (it.CreatedBy.ID == actor.ID && s.can(actor, own))
}

// CanList tells whether actor holds any of the four integration
// permissions (integrations.list, .remove).
func (s *Service) CanList(actor *model.User) bool {
	return s.can(actor, perm.ManageIncomingIntegrations) || s.can(actor, perm.ManageOwnIncomingIntegrations) ||
		s.can(actor, perm.ManageOutgoingIntegrations) || s.can(actor, perm.ManageOwnOutgoingIntegrations)
}

// CanSeeHistory tells whether actor may read outgoing history.
func (s *Service) CanSeeHistory(actor *model.User) bool {
	return s.can(actor, perm.ManageOutgoingIntegrations) || s.can(actor, perm.ManageOwnOutgoingIntegrations)
}

// Create adds an integration of in.Type (integrations.create,
// addIncomingIntegration, addOutgoingIntegration).
func (s *Service) Create(ctx context.Context, actor *model.User, in Input) (*model.Integration, error) {
	switch in.Type {
	case model.IntegrationIncoming:
		return s.saveIncoming(ctx, actor, nil, in)
	case model.IntegrationOutgoing:
		return s.saveOutgoing(ctx, actor, nil, in)
	}
	return nil, errInvalidType
}

// Update changes the integration named by in (integrations.update): by
// in.IntegrationID, or for outgoing ones by in.TargetURL.
func (s *Service) Update(ctx context.Context, actor *model.User, in Input) (*model.Integration, error) {
	if in.Type != model.IntegrationIncoming && in.Type != model.IntegrationOutgoing {
		return nil, errInvalidType
	}
	it, err := s.find(ctx, in.Type, in.IntegrationID, in.TargetURL)
	if err != nil {
		return nil, err
	}
	return s.UpdateByID(ctx, actor, it.ID, in)
}

// UpdateByID changes integration id (updateIncomingIntegration,
// updateOutgoingIntegration): in.Type, when set, must be its type.
func (s *Service) UpdateByID(ctx context.Context, actor *model.User, id string, in Input) (*model.Integration, error) {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidIntegration
	}
	if err != nil {
		return nil, err
	}
	if in.Type != "" && in.Type != it.Type {
		return nil, errInvalidIntegration
	}
	if it.Type == model.IntegrationIncoming {
		return s.saveIncoming(ctx, actor, it, in)
	}
	return s.saveOutgoing(ctx, actor, it, in)
}

// find is the integration of type typ with id, or (outgoing) with the URL.
func (s *Service) find(ctx context.Context, typ, id, url string) (*model.Integration, error) {
	if typ == model.IntegrationOutgoing && url != "" {
		list, _, err := s.d.Store.ListIntegrations(ctx, store.IntegrationQuery{Types: []string{typ}}, store.Page{})
		if err != nil {
			return nil, err
		}
		for _, it := range list {
			for _, u := range it.URLs {
				if u == url {
					return it, nil
				}
			}
		}
		return nil, ErrNoIntegration
	}
	if id == "" {
		return nil, ErrNoIntegration
	}
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && it.Type != typ) {
		return nil, ErrNoIntegration
	}
	return it, err
}

// userRef is the actor as _createdBy / _updatedBy keep it.
func userRef(u *model.User) model.UserRef { return model.UserRef{ID: u.ID, Username: u.Username} }

// scriptError compiles source when the script is on, as Rocket.Chat does
// on save: the error is kept on the integration, the save succeeds.
func (s *Service) scriptError(enabled bool, source string) *model.ScriptError {
	if !enabled || strings.TrimSpace(source) == "" || s.d.Scripts == nil {
		return nil
	}
	if e := s.d.Scripts.Check(source); e != nil {
		return &model.ScriptError{Name: e.Name, Message: e.Message, Stack: e.Stack}
	}
	return nil
}

// checkChannels resolves "#room" and "@user" entries as Rocket.Chat's
// validation does: each must exist, and without both manage permissions
// of the type the actor must belong to the room.
func (s *Service) checkChannels(ctx context.Context, actor *model.User, typ string, channels []string) error {
	all, own := permsOf(typ)
	both := s.can(actor, all) && s.can(actor, own)
	for _, c := range channels {
		if len(c) < 2 {
			return model.Invalid("error-invalid-room", "Invalid room").InMethod()
		}
		name := c[1:]
		var roomID string
		switch c[0] {
		case '#':
			r, err := s.d.Data.RoomByID(ctx, name)
			if errors.Is(err, store.ErrNotFound) {
				r, err = s.d.Data.RoomByName(ctx, name)
			}
			if errors.Is(err, store.ErrNotFound) {
				return model.Invalid("error-invalid-room", "Invalid room").InMethod()
			}
			if err != nil {
				return err
			}
			roomID = r.ID
		case '@':
			u, err := s.d.Data.UserByID(ctx, name)
			if errors.Is(err, store.ErrNotFound) {
				u, err = s.d.Data.UserByUsername(ctx, name)
			}
			if errors.Is(err, store.ErrNotFound) {
				return model.Invalid("error-invalid-room", "Invalid room").InMethod()
			}
			if err != nil {
				return err
			}
			roomID = u.ID // Rocket.Chat looks up a subscription to the user's id: none
		default:
			continue
		}
		if both {
			continue
		}
		if _, err := s.d.Data.Subscription(ctx, roomID, actor.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return model.Invalid("error-invalid-channel", "Invalid Channel").InMethod()
			}
			return err
		}
	}
	return nil
}

func (s *Service) saveIncoming(ctx context.Context, actor *model.User, prev *model.Integration, in Input) (*model.Integration, error) {
	if prev == nil {
		if !s.can(actor, perm.ManageIncomingIntegrations) && !s.can(actor, perm.ManageOwnIncomingIntegrations) {
			return nil, errNotAuthorized.InMethod()
		}
	} else if !s.canManage(actor, prev) {
		return nil, errNotAuthorized.InMethod()
	}
	if strings.TrimSpace(in.Channel) == "" {
		return nil, model.Invalid("error-invalid-channel", "Invalid channel").InMethod()
	}
	var channels []string
	for _, c := range strings.Split(in.Channel, ",") {
		c = strings.TrimSpace(c)
		if c == "" || (c[0] != '@' && c[0] != '#') {
			return nil, model.Invalid("error-invalid-channel-start-with-chars", "Invalid channel. Start with @ or #").InMethod()
		}
		channels = append(channels, c)
	}
	if prev == nil && strings.TrimSpace(in.Username) == "" {
		return nil, model.Invalid("error-invalid-username", "Invalid username").InMethod()
	}
	var user *model.User
	if prev == nil || (in.Username != "" && in.Username != prev.Username) {
		u, err := s.d.Data.UserByUsername(ctx, in.Username)
		if errors.Is(err, store.ErrNotFound) {
			return nil, model.Invalid("error-invalid-user", "Invalid user").InMethod()
		}
		if err != nil {
			return nil, err
		}
		user = u
	}
	if err := s.checkChannels(ctx, actor, model.IntegrationIncoming, channels); err != nil {
		return nil, err
	}
	now := s.now()
	it := &model.Integration{}
	if prev != nil {
		c := *prev
		it = &c
		it.UpdatedAt = now
		ref := userRef(actor)
		it.UpdatedBy = &ref
	} else {
		it.ID = model.NewID()
		it.Type = model.IntegrationIncoming
		it.Token = model.RandomString(48)
		it.CreatedAt, it.UpdatedAt = now, now
		it.CreatedBy = userRef(actor)
	}
	if user != nil {
		it.Username, it.UserID = user.Username, user.ID
	}
	it.Name, it.Enabled, it.Channel = in.Name, in.Enabled, channels
	it.Alias, it.Avatar, it.Emoji = in.Alias, in.Avatar, in.Emoji
	it.ScriptEnabled, it.Script = in.ScriptEnabled, in.Script
	it.ScriptEngine = "isolated-vm"
	it.OverrideDestinationChannelEnabled = in.OverrideDestinationChannelEnabled
	it.ScriptError = s.scriptError(it.ScriptEnabled, it.Script)
	if err := s.d.Roles.GrantRole(ctx, it.UserID, "bot"); err != nil {
		return nil, err
	}
	if err := s.write(ctx, prev == nil, it); err != nil {
		return nil, err
	}
	return it, nil
}

func (s *Service) write(ctx context.Context, insert bool, it *model.Integration) error {
	var err error
	if insert {
		err = s.d.Store.InsertIntegration(ctx, it)
	} else {
		err = s.d.Store.UpdateIntegration(ctx, it)
	}
	if err != nil {
		return fmt.Errorf("save integration: %w", err)
	}
	if it.Type == model.IntegrationOutgoing {
		s.reloadTriggers(ctx)
	}
	return nil
}

func (s *Service) saveOutgoing(ctx context.Context, actor *model.User, prev *model.Integration, in Input) (*model.Integration, error) {
	if prev == nil {
		if !s.can(actor, perm.ManageOutgoingIntegrations) && !s.can(actor, perm.ManageOwnOutgoingIntegrations) {
			return nil, errNotAuthorized.InMethod()
		}
	} else if !s.canManage(actor, prev) {
		return nil, errNotAuthorized.InMethod()
	}
	n, err := webhook.NormalizeOutgoing(webhook.OutgoingInput{
		Event: in.Event, Username: in.Username, Channel: in.Channel, URLs: in.URLs, TriggerWords: in.TriggerWords,
		TargetRoom: in.TargetRoom, RetryFailedCalls: in.RetryFailedCalls, RetryCount: in.RetryCount, RetryDelay: in.RetryDelay,
	})
	if err != nil {
		return nil, err
	}
	if n.NeedsManagePermission && !s.can(actor, perm.ManageOutgoingIntegrations) {
		if len(n.Channels) == 0 {
			return nil, model.Invalid("error-invalid-permissions", "Invalid permission for required Integration creation.").InMethod()
		}
		return nil, model.Invalid("error-invalid-channel", "Invalid Channel").InMethod()
	}
	user, err := s.d.Data.UserByUsername(ctx, in.Username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, model.Invalid("error-invalid-user", "Invalid user (did you delete the `rocket.cat` user?)").InMethod()
	}
	if err != nil {
		return nil, err
	}
	if err := s.checkChannels(ctx, actor, model.IntegrationOutgoing, n.RoomChannels); err != nil {
		return nil, err
	}
	now := s.now()
	it := &model.Integration{}
	if prev != nil {
		c := *prev
		it = &c
		it.UpdatedAt = now
		ref := userRef(actor)
		it.UpdatedBy = &ref
	} else {
		it.ID = model.NewID()
		it.Type = model.IntegrationOutgoing
		it.CreatedAt, it.UpdatedAt = now, now
		it.CreatedBy = userRef(actor)
	}
	it.Name, it.Enabled, it.Event = in.Name, in.Enabled, string(n.Event)
	it.Channel = n.Channels
	if it.Channel == nil {
		it.Channel = []string{}
	}
	it.URLs, it.TriggerWords = n.URLs, n.TriggerWords
	it.Username, it.UserID = user.Username, user.ID
	it.Alias, it.Avatar, it.Emoji, it.Token = in.Alias, in.Avatar, in.Emoji, in.Token
	it.ScriptEnabled, it.Script, it.ScriptEngine = in.ScriptEnabled, in.Script, "isolated-vm"
	it.TriggerWordAnywhere, it.ImpersonateUser, it.RunOnEdits = in.TriggerWordAnywhere, in.ImpersonateUser, in.RunOnEdits
	it.RetryFailedCalls, it.RetryCount, it.RetryDelay = in.RetryFailedCalls, n.RetryCount, n.RetryDelay
	it.TargetRoom = in.TargetRoom
	it.ScriptError = s.scriptError(it.ScriptEnabled, it.Script)
	if err := s.write(ctx, prev == nil, it); err != nil {
		return nil, err
	}
	return it, nil
}

// Remove deletes the integration of type typ named by id or (outgoing) by
// url (integrations.remove), and returns it as it was.
func (s *Service) Remove(ctx context.Context, actor *model.User, typ, id, url string) (*model.Integration, error) {
	switch typ {
	case model.IntegrationIncoming, model.IntegrationOutgoing:
	default:
		return nil, errInvalidType
	}
	if typ == model.IntegrationOutgoing && id == "" && url == "" {
		return nil, model.Bare(model.KindInvalid, "An integrationId or target_url needs to be provided.")
	}
	it, err := s.find(ctx, typ, id, url)
	if err != nil {
		return nil, err
	}
	return it, s.Delete(ctx, actor, typ, it.ID)
}

// Delete removes integration id of type typ (deleteIncomingIntegration,
// deleteOutgoingIntegration) with its history.
func (s *Service) Delete(ctx context.Context, actor *model.User, typ, id string) error {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && it.Type != typ) {
		return errInvalidIntegration.InMethod()
	}
	if err != nil {
		return err
	}
	if !s.canManage(actor, it) {
		return errNotAuthorized.InMethod()
	}
	if err := s.d.Store.DeleteIntegration(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete integration: %w", err)
	}
	if typ == model.IntegrationOutgoing {
		s.reloadTriggers(ctx)
	}
	return nil
}

// Get returns integration id for integrations.get (createdBy, when set,
// must be its creator).
func (s *Service) Get(ctx context.Context, actor *model.User, id, createdBy string) (*model.Integration, error) {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && createdBy != "" && it.CreatedBy.ID != createdBy) {
		return nil, ErrDoesNotExist
	}
	if err != nil {
		return nil, err
	}
	if !s.canManage(actor, it) {
		return nil, errNotAuthorizedGet
	}
	return it, nil
}

// ListInput filters integrations.list.
type ListInput struct {
	Name  string
	Types []string
}

// List pages the integrations actor may see (integrations.list): all of a
// type with its manage permission, their own with the own one.
func (s *Service) List(ctx context.Context, actor *model.User, in ListInput, p model.Page) ([]*model.Integration, int, error) {
	var scopes []store.IntegrationScope
	for _, typ := range []string{model.IntegrationIncoming, model.IntegrationOutgoing} {
		all, own := permsOf(typ)
		switch {
		case s.can(actor, all):
			scopes = append(scopes, store.IntegrationScope{Type: typ})
		case s.can(actor, own):
			scopes = append(scopes, store.IntegrationScope{Type: typ, CreatedBy: actor.ID})
		}
	}
	if scopes == nil {
		scopes = []store.IntegrationScope{}
	}
	list, total, err := s.d.Store.ListIntegrations(ctx, store.IntegrationQuery{Name: in.Name, Types: in.Types, Scopes: scopes}, p)
	if err != nil {
		return nil, 0, err
	}
	if list == nil {
		list = []*model.Integration{}
	}
	return list, total, nil
}

// History pages integration id's history (integrations.history).
func (s *Service) History(ctx context.Context, actor *model.User, id string, p model.Page) ([]*model.IntegrationHistory, int, error) {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return []*model.IntegrationHistory{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if !s.can(actor, perm.ManageOutgoingIntegrations) && it.CreatedBy.ID != actor.ID {
		return []*model.IntegrationHistory{}, 0, nil
	}
	list, total, err := s.d.Store.IntegrationHistory(ctx, id, p)
	if err != nil {
		return nil, 0, err
	}
	if list == nil {
		list = []*model.IntegrationHistory{}
	}
	return list, total, nil
}

// ClearHistory empties an outgoing integration's history
// (clearIntegrationHistory).
func (s *Service) ClearHistory(ctx context.Context, actor *model.User, id string) error {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidIntegration.InMethod()
	}
	if err != nil {
		return err
	}
	if !s.can(actor, perm.ManageOutgoingIntegrations) &&
		!(it.CreatedBy.ID == actor.ID && s.can(actor, perm.ManageOwnOutgoingIntegrations)) {
		return errNotAuthorized.InMethod()
	}
	_, err = s.d.Store.ClearIntegrationHistory(ctx, id)
	return err
}
