// Package userstatus keeps the custom user statuses administrators define
// (Rocket.Chat's custom-user-status.* endpoints and the
// insertOrUpdateUserStatus / deleteCustomUserStatus / listCustomUserStatus
// methods): presets whose name becomes the status text and whose type the
// status. Its routes live in userstatus/statusapi.
package userstatus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/model"
	"liftoff/store"
)

// Store keeps the statuses. store/sqlite and store/postgres implement it;
// userstatus/statustest is its contract suite.
type Store interface {
	// CustomUserStatuses returns every status, by name.
	CustomUserStatuses(ctx context.Context) ([]*model.CustomUserStatus, error)
	// InsertCustomUserStatus adds s; store.ErrConflict when its id or name is taken.
	InsertCustomUserStatus(ctx context.Context, s *model.CustomUserStatus) error
	// UpdateCustomUserStatus replaces the status with s's id;
	// store.ErrNotFound when there is none, store.ErrConflict when
	// another status has its name.
	UpdateCustomUserStatus(ctx context.Context, s *model.CustomUserStatus) error
	// DeleteCustomUserStatus removes the status; store.ErrNotFound when
	// there is none.
	DeleteCustomUserStatus(ctx context.Context, id string) error
}

// Permissions answers global permission checks (chat.Admin implements it).
type Permissions interface {
	Can(user *model.User, permission perm.ID) bool
}

// Publisher publishes events no store write carries (the bus): changes
// reach clients as updateCustomUserStatus / deleteCustomUserStatus.
type Publisher interface {
	Publish(ctx context.Context, events ...model.Event) error
}

// Service manages the statuses.
type Service struct {
	store  Store
	perms  Permissions
	now    func() time.Time
	events Publisher
}

// New returns a Service; now is the server clock (time.Now when nil);
// events, when not nil, receives a CustomUserStatusChanged per change.
func New(s Store, perms Permissions, now func() time.Time, events Publisher) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, perms: perms, now: now, events: events}
}

// publish announces a change, best effort (as Rocket.Chat's broadcast).
func (s *Service) publish(ctx context.Context, ev model.CustomUserStatusChanged) {
	if s.events != nil {
		_ = s.events.Publish(context.WithoutCancel(ctx), ev)
	}
}

// Rocket.Chat's errors.
var (
	ErrNotAuthorized = model.Forbidden("not_authorized", "")
	errNameRequired  = model.Invalid("error-the-field-is-required", "The field Name is required").
				WithDetails(map[string]any{"field": "Name"}).InMethod()
	errNameInUse = model.Invalid("Custom_User_Status_Error_Name_Already_In_Use", "The custom user status name is already in use").InMethod()
	errInvalid   = model.Invalid("Custom_User_Status_Error_Invalid_User_Status", "Invalid user status").InMethod()
)

// statusTypes are the statuses a preset may set ("" leaves it as is).
var statusTypes = []string{model.StatusOnline, model.StatusAway, model.StatusBusy, model.StatusOffline}

// Filter narrows List.
type Filter struct {
	Name string // a case-insensitive substring of the name
	ID   string
}

// List pages the statuses (every logged-in user may list them), by name
// unless the page sorts by "name" descending.
func (s *Service) List(ctx context.Context, f Filter, p model.Page) ([]*model.CustomUserStatus, int, error) {
	all, err := s.store.CustomUserStatuses(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("userstatus: list: %w", err)
	}
	out := []*model.CustomUserStatus{}
	for _, st := range all {
		if f.ID != "" && st.ID != f.ID {
			continue
		}
		if f.Name != "" && !strings.Contains(strings.ToLower(st.Name), strings.ToLower(f.Name)) {
			continue
		}
		out = append(out, st)
	}
	if len(p.Sort) > 0 && p.Sort[0].Desc {
		slices.Reverse(out)
	}
	total := len(out)
	lo := min(p.Offset, total)
	hi := total
	if p.Count > 0 {
		hi = min(lo+p.Count, total)
	}
	return out[lo:hi], total, nil
}

// All returns every status (listCustomUserStatus).
func (s *Service) All(ctx context.Context) ([]*model.CustomUserStatus, error) {
	all, err := s.store.CustomUserStatuses(ctx)
	if err != nil {
		return nil, fmt.Errorf("userstatus: list: %w", err)
	}
	if all == nil {
		all = []*model.CustomUserStatus{}
	}
	return all, nil
}

// Input is a status to create or change.
type Input struct {
	ID         string // "" creates
	Name       string
	StatusType string
}

// Save creates (no ID) or updates a status; it needs manage-user-status.
// The name is required, may not hold any of > < & " ', and must be free;
// the type is one of online, away, busy, offline or empty.
func (s *Service) Save(ctx context.Context, actor *model.User, in Input) (*model.CustomUserStatus, error) {
	if !s.perms.Can(actor, perm.ManageUserStatus) {
		return nil, ErrNotAuthorized
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, errNameRequired
	}
	if strings.ContainsAny(in.Name, `><&"'`) {
		return nil, model.Invalid("error-input-is-not-a-valid-field", "%s is not a valid name", in.Name).
			WithDetails(map[string]any{"input": in.Name, "field": "Name"}).InMethod()
	}
	if in.StatusType != "" && !slices.Contains(statusTypes, in.StatusType) {
		return nil, model.Invalid("error-input-is-not-a-valid-field", "%s is not a valid status type", in.StatusType).
			WithDetails(map[string]any{"input": in.StatusType, "field": "StatusType"}).InMethod()
	}
	st := &model.CustomUserStatus{ID: in.ID, Name: in.Name, StatusType: in.StatusType, UpdatedAt: model.TimeOf(s.now())}
	ev := model.CustomUserStatusChanged{Action: model.ActionUpdated, Status: st}
	var err error
	if in.ID != "" {
		all, lerr := s.store.CustomUserStatuses(ctx)
		if lerr != nil {
			return nil, fmt.Errorf("userstatus: list: %w", lerr)
		}
		for _, old := range all {
			if old.ID == in.ID {
				ev.PreviousName, ev.PreviousStatusType = old.Name, old.StatusType
			}
		}
	}
	if in.ID == "" {
		st.ID = model.NewID()
		err = s.store.InsertCustomUserStatus(ctx, st)
	} else {
		err = s.store.UpdateCustomUserStatus(ctx, st)
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil, errNameInUse
	case errors.Is(err, store.ErrNotFound):
		return nil, errInvalid
	case err != nil:
		return nil, fmt.Errorf("userstatus: save: %w", err)
	}
	s.publish(ctx, ev)
	return st, nil
}

// Exists reports whether the status exists.
func (s *Service) Exists(ctx context.Context, id string) (bool, error) {
	all, err := s.store.CustomUserStatuses(ctx)
	if err != nil {
		return false, fmt.Errorf("userstatus: list: %w", err)
	}
	return slices.ContainsFunc(all, func(st *model.CustomUserStatus) bool { return st.ID == id }), nil
}

// Delete removes a status; it needs manage-user-status.
func (s *Service) Delete(ctx context.Context, actor *model.User, id string) error {
	if !s.perms.Can(actor, perm.ManageUserStatus) {
		return ErrNotAuthorized
	}
	all, err := s.store.CustomUserStatuses(ctx)
	if err != nil {
		return fmt.Errorf("userstatus: list: %w", err)
	}
	gone := &model.CustomUserStatus{ID: id}
	for _, st := range all {
		if st.ID == id {
			gone = st
		}
	}
	err = s.store.DeleteCustomUserStatus(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errInvalid
	}
	if err != nil {
		return fmt.Errorf("userstatus: delete: %w", err)
	}
	s.publish(ctx, model.CustomUserStatusChanged{Action: model.ActionRemoved, Status: gone})
	return nil
}
