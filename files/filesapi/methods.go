package filesapi

import (
	"context"

	"liftoff/ddpapi"
	"liftoff/files/uploads"
	"liftoff/realtime"
)

// Methods registers the DDP method of uploads: sendFileMessage(roomId,
// store, file, msgData), Rocket.Chat's method that sends the message of an
// uploaded file. Here the file is a temporary upload of rooms.media (its
// _id), as rooms.mediaConfirm takes it; msgData carries msg, description,
// tmid, alias, emoji, avatar, groupable and customFields.
func Methods(reg *ddpapi.Registrar, svc Service) {
	reg.Method("sendFileMessage", func(ctx context.Context, call *realtime.Call) (any, error) {
		roomID, err := ddpapi.RequireString(call, 0, "roomId")
		if err != nil {
			return nil, err
		}
		file, ok, err := ddpapi.Param[struct {
			ID string `json:"_id"`
		}](call, 2)
		if err != nil || !ok || file.ID == "" {
			return nil, ddpapi.MatchFailed("file")
		}
		data, _, err := ddpapi.Param[confirmBody](call, 3)
		if err != nil {
			return nil, ddpapi.MatchFailed("msgData")
		}
		return svc.Confirm(ctx, call.User(), roomID, file.ID, uploads.MessageInput{
			Msg: data.Msg, Description: data.Description, ThreadID: data.ThreadID, Alias: data.Alias, Emoji: data.Emoji,
			Avatar: data.Avatar, Groupable: data.Groupable, CustomFields: data.CustomFields,
		})
	})
}
