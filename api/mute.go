package api

import "liftoff/model"

// muteRoutes registers rooms.muteUser and rooms.unmuteUser.
func (s *Server) muteRoutes(rt *Router) {
	rt.Post("rooms.muteUser", s.muteUser(true), Method("muteUserInRoom"))
	rt.Post("rooms.unmuteUser", s.muteUser(false), Method("unmuteUserInRoom"))
}

// muteUser handles rooms.muteUser / rooms.unmuteUser: {roomId, userId} or
// {roomId, username}, exactly one of the two user parameters, as
// Rocket.Chat's schema requires. The answer is a bare success.
func (s *Server) muteUser(mute bool) Handler {
	return func(r *Request) (any, error) {
		roomID, err := r.RequireString("roomId")
		if err != nil {
			return nil, err
		}
		userID, err := r.String("userId")
		if err != nil {
			return nil, err
		}
		username, err := r.String("username")
		if err != nil {
			return nil, err
		}
		if (userID == "") == (username == "") {
			return nil, model.Invalid("error-invalid-params", "Exactly one of the 'userId' or 'username' params is required")
		}
		target, err := s.accounts.UserFromParams(r.Context(), userID, username)
		if err != nil {
			return nil, err
		}
		if mute {
			err = s.members.MuteUser(r.Context(), r.User, roomID, target.Username)
		} else {
			err = s.members.UnmuteUser(r.Context(), r.User, roomID, target.Username)
		}
		return nil, err
	}
}
