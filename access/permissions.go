package access

import "liftoff/model"

// Shorthands that keep the table below readable.
const (
	admin     = RoleAdmin
	moderator = RoleModerator
	owner     = RoleOwner
	user      = RoleUser
	fedExt    = RoleFederatedExternal
	bot       = RoleBot
	app       = RoleApp
	guest     = RoleGuest
	anonymous = RoleAnonymous
	lcAgent   = RoleLivechatAgent
	lcManager = RoleLivechatManager
	lcMonitor = RoleLivechatMonitor
)

// defaultPermissions is Rocket.Chat's default permission table (community
// edition, 8.x), in its order: each permission id with the roles that hold it
// on a fresh server. Rocket.Chat only seeds these when a permission does not
// exist yet, so an administrator's later changes win.
//
// Not listed: the per-setting "change-setting-<id>" permissions, which
// Rocket.Chat derives from the setting registry at start-up, and the
// enterprise-only omnichannel permissions.
var defaultPermissions = []struct {
	id    string
	roles []string
}{
	{"access-permissions", []string{admin}},
	{"access-marketplace", []string{admin, user}},
	{"access-setting-permissions", []string{admin}},
	{"add-oauth-service", []string{admin}},
	{"add-user-to-joined-room", []string{admin, owner, moderator}},
	{"add-user-to-any-c-room", []string{admin}},
	{"add-user-to-any-p-room", []string{}},
	{"kick-user-from-any-c-room", []string{admin}},
	{"kick-user-from-any-p-room", []string{}},
	{"api-bypass-rate-limit", []string{admin, bot, app}},
	{"archive-room", []string{admin, owner}},
	{"assign-admin-role", []string{admin}},
	{"assign-roles", []string{admin}},
	{"ban-user", []string{admin, owner, moderator}},
	{"bulk-register-user", []string{admin}},
	{"change-livechat-room-visitor", []string{admin, lcManager, lcAgent}},
	{"create-c", []string{admin, user, fedExt, bot, app}},
	{"create-d", []string{admin, user, fedExt, bot, app}},
	{"create-p", []string{admin, user, fedExt, bot, app}},
	{"create-personal-access-tokens", []string{admin, user}},
	{"create-user", []string{admin}},
	{"clean-channel-history", []string{admin}},
	{"delete-c", []string{admin, owner}},
	{"delete-d", []string{admin}},
	{"delete-message", []string{admin, owner, moderator}},
	{"delete-own-message", []string{admin, user, fedExt}},
	{"delete-p", []string{admin, owner}},
	{"delete-user", []string{admin}},
	{"edit-message", []string{admin, owner, moderator}},
	{"edit-other-user-active-status", []string{admin}},
	{"edit-other-user-info", []string{admin}},
	{"edit-other-user-password", []string{admin}},
	{"edit-other-user-avatar", []string{admin}},
	{"edit-other-user-e2ee", []string{admin}},
	{"edit-other-user-totp", []string{admin}},
	{"edit-privileged-setting", []string{admin}},
	{"edit-room", []string{admin, owner, moderator}},
	{"edit-room-avatar", []string{admin, owner, moderator}},
	{"edit-room-retention-policy", []string{admin}},
	{"force-delete-message", []string{admin, owner}},
	{"join-without-join-code", []string{admin, bot, app}},
	{"leave-c", []string{admin, user, fedExt, bot, anonymous, app}},
	{"leave-p", []string{admin, user, fedExt, bot, anonymous, app}},
	{"logout-other-user", []string{admin}},
	{"manage-assets", []string{admin}},
	{"manage-email-inbox", []string{admin}},
	{"manage-emoji", []string{admin}},
	{"manage-user-status", []string{admin}},
	{"manage-outgoing-integrations", []string{admin}},
	{"manage-incoming-integrations", []string{admin}},
	{"manage-own-outgoing-integrations", []string{admin}},
	{"manage-own-incoming-integrations", []string{admin}},
	{"manage-oauth-apps", []string{admin}},
	{"manage-selected-settings", []string{admin}},
	{"mention-all", []string{admin, owner, moderator, user, fedExt}},
	{"mention-here", []string{admin, owner, moderator, user, fedExt}},
	{"mute-user", []string{admin, owner, moderator}},
	{"remove-user", []string{admin, owner, moderator}},
	{"run-import", []string{admin}},
	{"run-migration", []string{admin}},
	{"set-moderator", []string{admin, owner}},
	{"set-owner", []string{admin, owner}},
	{"send-many-messages", []string{admin, bot, app}},
	{"set-leader", []string{admin, owner}},
	{"start-discussion", []string{admin, user, fedExt, guest, app}},
	{"start-discussion-other-user", []string{admin, user, fedExt, owner, app}},
	{"unarchive-room", []string{admin}},
	{"view-c-room", []string{admin, user, fedExt, bot, app, anonymous}},
	{"user-generate-access-token", []string{admin}},
	{"view-d-room", []string{admin, user, fedExt, bot, app, guest}},
	{"view-device-management", []string{admin}},
	{"view-engagement-dashboard", []string{admin}},
	{"view-full-other-user-info", []string{admin}},
	{"view-joined-room", []string{guest, bot, app, anonymous}},
	{"view-join-code", []string{admin}},
	{"view-logs", []string{admin}},
	{"view-other-user-channels", []string{admin}},
	{"view-p-room", []string{admin, user, fedExt, anonymous, guest}},
	{"view-privileged-setting", []string{admin}},
	{"view-room-administration", []string{admin}},
	{"view-statistics", []string{admin}},
	{"view-user-administration", []string{admin}},
	{"preview-c-room", []string{admin, user, fedExt, anonymous}},
	{"view-outside-room", []string{admin, owner, moderator, user, fedExt}},
	{"view-broadcast-member-list", []string{admin, owner, moderator}},
	{"call-management", []string{admin, owner, moderator, user}},
	{"create-invite-links", []string{admin, owner, moderator}},
	{"view-l-room", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"create-livechat-contact", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"update-livechat-contact", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"view-livechat-contact", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"delete-livechat-contact", []string{lcManager, admin}},
	{"view-livechat-contact-history", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"view-livechat-manager", []string{lcManager, lcMonitor, admin}},
	{"view-omnichannel-contact-center", []string{lcManager, lcAgent, lcMonitor, admin}},
	{"edit-omnichannel-contact", []string{lcManager, lcAgent, admin}},
	{"view-livechat-rooms", []string{lcManager, lcMonitor, admin}},
	{"close-livechat-room", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"close-others-livechat-room", []string{lcManager, lcMonitor, admin}},
	{"on-hold-livechat-room", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"on-hold-others-livechat-room", []string{lcManager, lcMonitor, admin}},
	{"save-others-livechat-room-info", []string{lcManager, lcMonitor, admin}},
	{"remove-closed-livechat-rooms", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-analytics", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-queue", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"transfer-livechat-guest", []string{lcManager, lcMonitor, admin}},
	{"manage-livechat-managers", []string{lcManager, admin}},
	{"manage-livechat-agents", []string{lcManager, lcMonitor, admin}},
	{"manage-livechat-departments", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-departments", []string{lcManager, lcMonitor, admin}},
	{"add-livechat-department-agents", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-real-time-monitoring", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-triggers", []string{lcManager, admin}},
	{"view-livechat-customfields", []string{lcManager, admin}},
	{"view-livechat-installation", []string{lcManager, admin}},
	{"view-livechat-appearance", []string{lcManager, admin}},
	{"view-livechat-webhooks", []string{lcManager, admin}},
	{"view-livechat-business-hours", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-room-closed-same-department", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-room-closed-by-another-agent", []string{lcManager, lcMonitor, admin}},
	{"view-livechat-room-customfields", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"edit-livechat-room-customfields", []string{lcManager, lcMonitor, lcAgent, admin}},
	{"send-omnichannel-chat-transcript", []string{lcManager, admin}},
	{"mail-messages", []string{admin}},
	{"toggle-room-e2e-encryption", []string{owner, admin}},
	{"message-impersonate", []string{bot, app}},
	{"create-team", []string{admin, user}},
	{"delete-team", []string{admin, owner}},
	{"convert-team", []string{admin, owner}},
	{"edit-team", []string{admin, owner}},
	{"add-team-member", []string{admin, owner, moderator}},
	{"edit-team-member", []string{admin, owner, moderator}},
	{"move-room-to-team", []string{admin, owner, moderator}},
	{"create-team-channel", []string{admin, owner, moderator}},
	{"create-team-group", []string{admin, owner, moderator}},
	{"delete-team-channel", []string{admin, owner, moderator}},
	{"delete-team-group", []string{admin, owner, moderator}},
	{"edit-team-channel", []string{admin, owner, moderator}},
	{"remove-team-channel", []string{admin, owner, moderator}},
	{"view-all-team-channels", []string{admin, owner}},
	{"view-all-teams", []string{admin}},
	{"remove-closed-livechat-room", []string{lcManager, admin}},
	{"remove-livechat-department", []string{lcManager, admin}},
	{"allow-internal-voice-calls", []string{admin, user}},
	{"allow-external-voice-calls", []string{admin, user}},
	{"manage-apps", []string{admin}},
	{"post-readonly", []string{admin, owner, moderator}},
	{"set-readonly", []string{admin, owner}},
	{"set-react-when-readonly", []string{admin, owner}},
	{"manage-cloud", []string{admin}},
	{"manage-sounds", []string{admin}},
	{"access-mailer", []string{admin}},
	{"pin-message", []string{owner, moderator, admin}},
	{"mobile-upload-file", []string{user, fedExt, admin}},
	{"send-mail", []string{admin}},
	{"view-federation-data", []string{admin}},
	{"access-federation", []string{admin, user, fedExt}},
	// Liftoff's own: marks an existing room federated (bridged to Matrix).
	{"convert-room-to-federated", []string{admin, owner}},
	{"add-all-to-room", []string{admin}},
	{"get-server-info", []string{admin}},
	{"register-on-cloud", []string{admin}},
	{"test-admin-options", []string{admin}},
	{"test-push-notifications", []string{admin, user}},
	{"sync-auth-services-users", []string{admin}},
	{"restart-server", []string{admin}},
	{"remove-slackbridge-links", []string{admin}},
	{"view-import-operations", []string{admin}},
	{"clear-oembed-cache", []string{admin}},
	{"videoconf-ring-users", []string{admin, owner, moderator, user}},
	{"view-moderation-console", []string{admin}},
	{"manage-moderation-actions", []string{admin}},
	{"bypass-time-limit-edit-and-delete", []string{bot, app}},
	{"export-messages-as-pdf", []string{admin, user}},
}

// DefaultPermissions returns fresh copies of Rocket.Chat's default
// permissions, in the order of Rocket.Chat's table. Callers may modify them.
func DefaultPermissions() []*model.Permission {
	out := make([]*model.Permission, 0, len(defaultPermissions))
	for _, p := range defaultPermissions {
		out = append(out, &model.Permission{ID: p.id, Roles: append([]string{}, p.roles...)})
	}
	return out
}
