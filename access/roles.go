package access

import "liftoff/model"

// Role names Rocket.Chat's code refers to.
const (
	RoleAdmin             = "admin"
	RoleModerator         = "moderator"
	RoleLeader            = "leader"
	RoleOwner             = "owner"
	RoleUser              = "user"
	RoleFederatedExternal = "federated-external"
	RoleBot               = "bot"
	RoleApp               = "app"
	RoleGuest             = "guest"
	RoleAnonymous         = "anonymous"
	RoleLivechatAgent     = "livechat-agent"
	RoleLivechatManager   = "livechat-manager"
	RoleLivechatMonitor   = "livechat-monitor"
)

// defaultRoles are the protected roles Rocket.Chat (community edition)
// creates at every start-up, in its order, with its scopes and descriptions.
// livechat-monitor appears in the permission table but is only created by
// Rocket.Chat's enterprise omnichannel module, so it is not listed here.
var defaultRoles = []struct {
	name, scope, description string
}{
	{RoleAdmin, model.ScopeUsers, "Admin"},
	{RoleModerator, model.ScopeSubscriptions, "Moderator"},
	{RoleLeader, model.ScopeSubscriptions, "Leader"},
	{RoleOwner, model.ScopeSubscriptions, "Owner"},
	{RoleUser, model.ScopeUsers, ""},
	{RoleFederatedExternal, model.ScopeUsers, ""},
	{RoleBot, model.ScopeUsers, ""},
	{RoleApp, model.ScopeUsers, ""},
	{RoleGuest, model.ScopeUsers, ""},
	{RoleAnonymous, model.ScopeUsers, ""},
	{RoleLivechatAgent, model.ScopeUsers, "Livechat Agent"},
	{RoleLivechatManager, model.ScopeUsers, "Livechat Manager"},
}

// DefaultRoles returns fresh copies of Rocket.Chat's default roles. Each is
// protected (it cannot be deleted), has its name as its id, and does not
// require two-factor authentication.
func DefaultRoles() []*model.Role {
	out := make([]*model.Role, 0, len(defaultRoles))
	for _, r := range defaultRoles {
		out = append(out, &model.Role{
			ID:          r.name,
			Name:        r.name,
			Scope:       r.scope,
			Description: r.description,
			Protected:   true,
		})
	}
	return out
}
