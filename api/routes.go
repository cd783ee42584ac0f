package api

// routes registers every endpoint. Each group lives in its own file.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /api/info", s.info)
	s.authRoutes()       // auth.go
	s.channelRoutes()    // channels.go: create, info
	s.membershipRoutes() // members.go: lists, members, join/leave/invite/kick, roles, open/close, delete
	s.roomRoutes()       // rooms.go: room settings, history, im.*, rooms.*, subscriptions.*
	s.chatRoutes()       // chat.go: postMessage, sendMessage
	s.messageRoutes()    // messages.go: the rest of chat.*
	s.userRoutes()       // users.go: users.*, avatars
	s.adminRoutes()      // admin.go: settings, statistics, roles, permissions
	s.methodCallRoutes() // methodcall.go: method.call, method.callAnon
	s.muteRoutes()       // mute.go: rooms.muteUser, rooms.unmuteUser
	s.discussionRoutes() // discussions.go: rooms.createDiscussion, rooms.getDiscussions, chat.getDiscussions
	s.teamRoutes()       // teams.go: teams.*
	s.teamExtraRoutes()  // teams.go: teams.update, autocomplete, listChildren, *.convertToTeam
}
