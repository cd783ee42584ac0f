package api

// routes declares every built-in endpoint. Each group lives in its own
// file; a capability declares its own from its package (see Router).
func (s *Server) routes(rt *Router) {
	rt.HandleHTTP("GET /api/info", s.info)
	s.authRoutes(rt)         // auth.go
	s.twoFactorRoutes(rt)    // twofactor.go: users.2fa.*
	s.ldapRoutes(rt)         // ldap.go
	s.loginServiceRoutes(rt) // loginservices.go
	s.channelRoutes(rt)      // channels.go: create, info
	s.membershipRoutes(rt)   // members.go: lists, members, join/leave/invite/kick, roles, open/close, delete
	s.roomRoutes(rt)         // rooms.go: room settings, history, im.*, rooms.*, subscriptions.*
	s.chatRoutes(rt)         // chat.go: postMessage, sendMessage
	s.messageRoutes(rt)      // messages.go: the rest of chat.*
	s.userRoutes(rt)         // users.go: users.*, avatars
	s.adminRoutes(rt)        // admin.go: settings, statistics, roles, permissions
	s.methodCallRoutes(rt)   // methodcall.go: method.call, method.callAnon
	s.muteRoutes(rt)         // mute.go: rooms.muteUser, rooms.unmuteUser
	s.discussionRoutes(rt)   // discussions.go: rooms.createDiscussion, rooms.getDiscussions, chat.getDiscussions
	s.teamRoutes(rt)         // teams.go: teams.*, channels/groups.convertToTeam
	s.compatRoutes(rt)       // compat.go: users.logout*, pw.*, licenses.info, roles.getUsersInPublicRoles
}
