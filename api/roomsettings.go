package api

import (
	"encoding/json"

	"liftoff/chat"
	"liftoff/model"
)

// roomSettingsKeys are the settings rooms.saveRoomSettings takes (those of
// the saveRoomSettings method Liftoff supports); Rocket.Chat's others are
// refused by name.
var roomSettingsKeys = map[string]bool{
	"roomName": true, "roomTopic": true, "roomAnnouncement": true, "roomDescription": true,
	"roomType": true, "readOnly": true, "default": true, "joinCode": true, "roomCustomFields": true, "encrypted": true,
	"roomAvatar": false, "featured": false, "reactWhenReadOnly": false, "systemMessages": false, "streamingOptions": false,
	"retentionEnabled": false, "retentionMaxAge": false, "retentionExcludePinned": false, "retentionFilesOnly": false,
	"retentionIgnoreThreads": false, "retentionOverrideGlobal": false, "favorite": false, "sidepanel": false,
}

// saveRoomSettingsREST is rooms.saveRoomSettings: {rid, <setting>: value, ...}
// runs the saveRoomSettings method's change and answers {rid}.
func (s *Server) saveRoomSettingsREST(r *Request) (any, error) {
	var body map[string]json.RawMessage
	if err := r.Decode(&body); err != nil {
		return nil, err
	}
	var rid string
	if err := json.Unmarshal(body["rid"], &rid); err != nil || rid == "" {
		return nil, model.Invalid("error-invalid-params", "must have required property 'rid'")
	}
	delete(body, "rid")
	invalid := model.Invalid("error-invalid-settings", "Invalid settings provided").InMethod()
	var in chat.RoomSettingsInput
	for key, raw := range body {
		supported, known := roomSettingsKeys[key]
		if !known {
			return nil, invalid
		}
		if !supported {
			return nil, model.Invalid("error-invalid-settings", "The room setting %s is not supported", key).InMethod()
		}
		var target any
		switch key {
		case "roomName":
			in.Name = new(string)
			target = in.Name
		case "roomTopic":
			in.Topic = new(string)
			target = in.Topic
		case "roomAnnouncement":
			in.Announcement = new(string)
			target = in.Announcement
		case "roomDescription":
			in.Description = new(string)
			target = in.Description
		case "roomType":
			in.Type = new(string)
			target = in.Type
		case "readOnly":
			in.ReadOnly = new(bool)
			target = in.ReadOnly
		case "default":
			in.Default = new(bool)
			target = in.Default
		case "joinCode":
			in.JoinCode = new(string)
			target = in.JoinCode
		case "roomCustomFields":
			in.CustomFields = new(map[string]any)
			target = in.CustomFields
		case "encrypted":
			in.Encrypted = new(bool)
			target = in.Encrypted
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return nil, invalid
		}
	}
	room, err := s.rooms.SaveRoomSettings(r.Context(), r.User, rid, in)
	if err != nil {
		return nil, err
	}
	return M{"rid": room.ID}, nil
}
