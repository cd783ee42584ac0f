package chat

import (
	"context"
	"errors"

	"liftoff/model"
	"liftoff/store"
)

// This file holds reads and small writes that only Rocket.Chat's realtime
// methods use: getUserRoles and the thread read of getThreadMessages.

// UserRoleHolder is one entry of getUserRoles: a user and the public
// global roles they hold.
type UserRoleHolder struct {
	ID       string   `json:"_id"`
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
}

// UserRoles lists the users holding a public global role, sorted by
// username, each with only those roles (Rocket.Chat's getUserRoles, which
// clients use to show role tags such as "Admin" next to names). A role is
// public when its scope is Users and it has a description, so "user",
// "bot" and the other plain roles are left out.
func (s *Service) UserRoles(ctx context.Context, user *model.User) ([]UserRoleHolder, error) {
	if user == nil {
		return nil, model.Invalid("error-invalid-user", "Invalid user").WithDetails(map[string]any{"method": "getUserRoles"})
	}
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return nil, internal("user roles", err)
	}
	var public []string
	for _, r := range roles {
		if r.Scope == model.ScopeUsers && r.Description != "" {
			public = append(public, r.ID)
		}
	}
	out := []UserRoleHolder{}
	if len(public) == 0 {
		return out, nil
	}
	users, _, err := s.store.ListUsers(ctx, store.UserQuery{Roles: public}, store.Page{Sort: []store.SortKey{{Field: "username"}}})
	if err != nil {
		return nil, internal("user roles", err)
	}
	for _, u := range users {
		h := UserRoleHolder{ID: u.ID, Username: u.Username, Roles: []string{}}
		for _, r := range u.Roles {
			if contains(public, r) {
				h.Roles = append(h.Roles, r)
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// ReadThread marks a thread read for user, as Rocket.Chat's readThread
// does when a member opens a thread: the thread leaves the subscription's
// tunread, tunreadUser and tunreadGroup lists, and when it was the last
// unread thread the subscription's alert goes off. Users who are not
// members, or for whom the thread is not unread, are left as they are.
func (s *Service) ReadThread(ctx context.Context, user *model.User, roomID, tmid string) error {
	if user == nil || roomID == "" || tmid == "" {
		return nil
	}
	err := s.updateOwnSubscription(ctx, user, roomID, errNoSubscription, func(sub *model.Subscription, now model.Time) (bool, error) {
		if !contains(sub.TUnread, tmid) && !contains(sub.TUnreadUser, tmid) && !contains(sub.TUnreadGroup, tmid) {
			return false, nil
		}
		if len(sub.TUnread) == 1 && sub.TUnread[0] == tmid {
			sub.Alert = false
		}
		sub.TUnread = without(sub.TUnread, tmid)
		sub.TUnreadUser = without(sub.TUnreadUser, tmid)
		sub.TUnreadGroup = without(sub.TUnreadGroup, tmid)
		return true, nil
	})
	if errors.Is(err, errNoSubscription) {
		return nil
	}
	return err
}

// errNoSubscription tells ReadThread's update that there was nothing to read.
var errNoSubscription = model.Invalid("error-invalid-subscription", "Invalid subscription")
