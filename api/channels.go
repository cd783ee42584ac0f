package api

import (
	"liftoff/chat"
	"liftoff/model"
)

func (s *Server) channelRoutes(rt *Router) {
	rt.Post("channels.create", s.createRoom(model.RoomChannel, "channel"), Method("createChannel"))
	rt.Post("groups.create", s.createRoom(model.RoomPrivate, "group"), Method("createPrivateGroup"))
	rt.Get("channels.info", s.roomInfo(model.RoomChannel, "channel"))
	rt.Get("groups.info", s.roomInfo(model.RoomPrivate, "group"))
}

// roomRef reads roomId / roomName (and the older channel form used by some endpoints).
func roomRef(r *Request) (chat.RoomRef, error) {
	id, err := r.String("roomId")
	if err != nil {
		return chat.RoomRef{}, err
	}
	name, err := r.String("roomName")
	if err != nil {
		return chat.RoomRef{}, err
	}
	return chat.RoomRef{ID: id, Name: name}, nil
}

func (s *Server) createRoom(t, key string) Handler {
	return func(r *Request) (any, error) {
		name, err := r.RequireString("name")
		if err != nil {
			return nil, err
		}
		members, err := r.Strings("members")
		if err != nil {
			return nil, err
		}
		ro, err := r.Bool("readOnly", false)
		if err != nil {
			return nil, err
		}
		excludeSelf, err := r.Bool("excludeSelf", false)
		if err != nil {
			return nil, err
		}
		var extra struct {
			Topic        string `json:"topic"`
			Description  string `json:"description"`
			Announcement string `json:"announcement"`
			ReadOnly     *bool  `json:"readOnly"`
			TeamID       string `json:"teamId"`
			Encrypted    *bool  `json:"encrypted"`
			Federated    bool   `json:"federated"`
		}
		if _, err := r.Param("extraData", &extra); err != nil {
			return nil, err
		}
		if extra.ReadOnly != nil {
			ro = *extra.ReadOnly
		}
		room, err := s.rooms.CreateRoom(r.Context(), r.User, chat.CreateRoomInput{
			Type: t, Name: name, Members: members, ReadOnly: ro, ExcludeSelf: excludeSelf,
			Topic: extra.Topic, Description: extra.Description, Announcement: extra.Announcement,
			TeamID: extra.TeamID, Encrypted: extra.Encrypted, Federated: extra.Federated,
		})
		if err != nil {
			return nil, err
		}
		return M{key: room}, nil
	}
}

func (s *Server) roomInfo(t, key string) Handler {
	return func(r *Request) (any, error) {
		ref, err := roomRef(r)
		if err != nil {
			return nil, err
		}
		room, err := s.rooms.FindRoom(r.Context(), r.User, ref, t)
		if err != nil {
			return nil, err
		}
		return M{key: room}, nil
	}
}
