// Package receiptsapi declares the endpoints of package receipts: REST
// chat.getMessageReadReceipts and the DDP method getReadReceipts.
package receiptsapi

import (
	"context"

	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/model"
	"liftoff/realtime"
	"liftoff/receipts"
)

// Service is what the endpoints call (*receipts.Service implements it).
type Service interface {
	// Receipts lists who read a message (see receipts.Service.Receipts).
	Receipts(ctx context.Context, user *model.User, messageID string, offset, count int) ([]receipts.WithUser, error)
}

// Routes declares GET chat.getMessageReadReceipts?messageId=[&offset=&count=]:
// every receipt when neither offset nor count is given (as Rocket.Chat),
// otherwise a page bounded as every list.
func Routes(rt *api.Router, svc Service) {
	rt.Get("chat.getMessageReadReceipts", func(r *api.Request) (any, error) {
		id, err := r.String("messageId")
		if err != nil {
			return nil, err
		}
		if !r.Has("messageId") {
			return nil, model.Invalid("invalid-params", "must have required property 'messageId'")
		}
		offset, count := 0, 0
		if r.Has("offset") || r.Has("count") {
			p, err := r.Page(nil)
			if err != nil {
				return nil, err
			}
			offset, count = p.Offset, p.Count
		}
		list, err := svc.Receipts(r.Context(), r.User, id, offset, count)
		if err != nil {
			return nil, err
		}
		return api.M{"receipts": views(list)}, nil
	})
}

// Methods declares getReadReceipts({messageId}).
func Methods(reg *ddpapi.Registrar, svc Service) {
	reg.Method("getReadReceipts", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			MessageID *string `json:"messageId"`
		}](call, 0)
		if err != nil || !ok || in.MessageID == nil {
			return nil, ddpapi.MatchFailed("messageId")
		}
		list, err := svc.Receipts(ctx, call.User(), *in.MessageID, 0, 0)
		if err != nil {
			return nil, err
		}
		return views(list), nil
	})
}

// view is Rocket.Chat's IReadReceiptWithUser.
type view struct {
	ID        string         `json:"_id"`
	RoomID    string         `json:"roomId"`
	UserID    string         `json:"userId"`
	MessageID string         `json:"messageId"`
	TS        model.Time     `json:"ts"`
	User      *model.UserRef `json:"user,omitempty"`
}

func views(list []receipts.WithUser) []view {
	out := make([]view, 0, len(list))
	for _, w := range list {
		v := view{ID: w.ID, RoomID: w.RoomID, UserID: w.UserID, MessageID: w.MessageID, TS: w.At}
		if w.User != nil {
			v.User = &model.UserRef{ID: w.User.ID, Username: w.User.Username, Name: w.User.Name}
		}
		out = append(out, v)
	}
	return out
}
