package api

import (
	"context"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings/setting"
)

// compatRoutes declares endpoints Rocket.Chat's clients call for
// sessions, the password policy, the license and role holders.
func (s *Server) compatRoutes(rt *Router) {
	rt.Post("users.logout", s.usersLogout)
	rt.Post("users.logoutOtherClients", s.usersLogoutOtherClients)
	rt.Post("users.removeOtherTokens", s.usersRemoveOtherTokens)
	rt.Get("roles.getUsersInPublicRoles", s.rolesUsersInPublicRoles)
	rt.Get("pw.getPolicy", s.pwGetPolicy)
	rt.Get("licenses.info", s.licensesInfo)
	rt.Get("channels.getAllUserMentionsByChannel", s.roomMessageList(Messages.MentionedMessages))
	rt.Get("custom-sounds.list", s.customSoundsList)
}

// customSoundsList is custom-sounds.list: Liftoff keeps no custom sounds
// (uploading them is not supported), so every page is empty; the paging
// parameters are checked as Rocket.Chat checks them.
func (s *Server) customSoundsList(r *Request) (any, error) {
	p, err := r.Page(nil, "name", "_id", "_updatedAt", "extension")
	if err != nil {
		return nil, err
	}
	return paged("sounds", []any{}, 0, p, 0), nil
}

// usersLogout removes every login token of the caller, or of userId with
// logout-other-user (personal access tokens stay).
func (s *Server) usersLogout(r *Request) (any, error) {
	uid, err := r.String("userId")
	if err != nil {
		return nil, err
	}
	if uid == "" {
		uid = r.User.ID
	}
	if uid != r.User.ID && !s.admin.Can(r.User, perm.LogoutOtherUser) {
		return nil, model.ErrUnauthorized
	}
	if _, err := s.accounts.FindUser(r.Context(), chat.UserLookup{ID: uid}); err != nil {
		return nil, model.Invalid("error-invalid-user-id", "Invalid user id")
	}
	if err := s.auth.LogoutOthers(r.Context(), uid, ""); err != nil {
		return nil, err
	}
	return M{"message": "User " + uid + " has been logged out!"}, nil
}

// usersLogoutOtherClients removes the caller's login tokens but the one of
// this call and answers it with its expiry.
func (s *Server) usersLogoutOtherClients(r *Request) (any, error) {
	token := r.HTTP.Header.Get("X-Auth-Token")
	if token == "" {
		return nil, model.Invalid("error-parameter-required", "x-auth-token is required")
	}
	if err := s.auth.LogoutOthers(r.Context(), r.User.ID, token); err != nil {
		return nil, err
	}
	expires, err := s.auth.TokenExpires(r.Context(), r.User.ID, token)
	if err != nil {
		return nil, err
	}
	out := ""
	if !expires.IsZero() {
		out = expires.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return M{"token": token, "tokenExpires": out}, nil
}

// usersRemoveOtherTokens removes the caller's login tokens but the one of
// this call.
func (s *Server) usersRemoveOtherTokens(r *Request) (any, error) {
	if err := s.auth.LogoutOthers(r.Context(), r.User.ID, r.Token); err != nil {
		return nil, err
	}
	return M{}, nil
}

// rolesUsersInPublicRoles lists the holders of public global roles as
// getUserRoles does: {users: [{_id, username, roles}]}.
func (s *Server) rolesUsersInPublicRoles(r *Request) (any, error) {
	holders, err := s.admin.UserRoles(r.Context(), r.User)
	if err != nil {
		return nil, err
	}
	users := make([]M, 0, len(holders))
	for _, h := range holders {
		users = append(users, M{"_id": h.ID, "username": h.Username, "roles": h.Roles})
	}
	return M{"users": users}, nil
}

// passwordPolicy is Rocket.Chat's getPasswordPolicy: whether the policy is
// on and its rules as [name, {param}] pairs, in Rocket.Chat's order.
func (s *Server) passwordPolicy() M {
	set := s.settings
	policy := []any{}
	enabled := set.Bool(setting.AccountsPasswordPolicyEnabled)
	if enabled {
		if n := set.Int(setting.AccountsPasswordPolicyMinLength); n >= 1 {
			policy = append(policy, []any{"get-password-policy-minLength", M{"minLength": n}})
		}
		if n := set.Int(setting.AccountsPasswordPolicyMaxLength); n >= 1 {
			policy = append(policy, []any{"get-password-policy-maxLength", M{"maxLength": n}})
		}
		if set.Bool(setting.AccountsPasswordPolicyForbidRepeatingCharacters) {
			policy = append(policy, []any{"get-password-policy-forbidRepeatingCharactersCount",
				M{"maxRepeatingChars": set.Int(setting.AccountsPasswordPolicyForbidRepeatingCharactersCount)}})
		}
		for _, rule := range []struct {
			id   setting.ID
			name string
		}{
			{setting.AccountsPasswordPolicyAtLeastOneLowercase, "get-password-policy-mustContainAtLeastOneLowercase"},
			{setting.AccountsPasswordPolicyAtLeastOneUppercase, "get-password-policy-mustContainAtLeastOneUppercase"},
			{setting.AccountsPasswordPolicyAtLeastOneNumber, "get-password-policy-mustContainAtLeastOneNumber"},
			{setting.AccountsPasswordPolicyAtLeastOneSpecialCharacter, "get-password-policy-mustContainAtLeastOneSpecialCharacter"},
		} {
			if set.Bool(rule.id) {
				policy = append(policy, []any{rule.name})
			}
		}
	}
	return M{"enabled": enabled, "policy": policy}
}

func (s *Server) pwGetPolicy(*Request) (any, error) { return s.passwordPolicy(), nil }

// PolicyResetRoute declares pw.getPolicyReset: the password policy, for an
// anonymous visitor holding a valid password-reset token (valid reports
// whether it is); any other token answers 403 unauthorized, as Rocket.Chat.
func PolicyResetRoute(rt *Router, valid func(ctx context.Context, token string) bool) {
	rt.Get("pw.getPolicyReset", func(r *Request) (any, error) {
		token, err := r.RequireString("token")
		if err != nil {
			return nil, err
		}
		if !valid(r.Context(), token) {
			return nil, model.ErrUnauthorized
		}
		return rt.s.passwordPolicy(), nil
	}, Public())
}

// licenseLimitKinds are Rocket.Chat's license limits.
var licenseLimitKinds = []string{"activeUsers", "guestUsers", "privateApps", "marketplaceApps", "monthlyActiveContacts"}

// licensesInfo answers as an unlicensed community server: no license, no
// modules, nothing prevented, no limits (-1).
func (s *Server) licensesInfo(*Request) (any, error) {
	prevented, limits := M{}, M{}
	for _, k := range licenseLimitKinds {
		prevented[k] = false
		limits[k] = M{"max": -1}
	}
	return M{"license": M{
		"activeModules": []string{}, "externalModules": []any{}, "preventedActions": prevented, "limits": limits,
		"tags": []any{}, "trial": false, "hasValidLicense": false,
	}}, nil
}
