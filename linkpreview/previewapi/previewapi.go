// Package previewapi declares chat.getURLPreview, the REST endpoint of
// package linkpreview.
package previewapi

import (
	"context"

	"liftoff/api"
	"liftoff/linkpreview"
	"liftoff/model"
)

// RoomAccess says whether a user may read a room (chat.Rooms implements
// it).
type RoomAccess interface {
	CanReadRoom(ctx context.Context, user *model.User, roomID string) error
}

// Routes declares chat.getURLPreview: roomId and url (both required, as
// Rocket.Chat's query schema); the caller must be able to read the room
// (else error-not-allowed "Not allowed"). It answers {urlPreview} with
// ignoreParse set: the page's meta and headers, or only the URL and empty
// meta when the URL is refused (loopback, private ranges, ports and hosts
// the API_Embed* settings exclude), cannot be fetched or is not http(s).
func Routes(rt *api.Router, p *linkpreview.Previewer, rooms RoomAccess) {
	rt.Get("chat.getURLPreview", func(r *api.Request) (any, error) {
		roomID, err := r.String("roomId")
		if err != nil {
			return nil, err
		}
		url, err := r.String("url")
		if err != nil {
			return nil, err
		}
		var missing []string
		if roomID == "" {
			missing = append(missing, "must have required property 'roomId'")
		}
		if url == "" {
			missing = append(missing, "must have required property 'url'")
		}
		if len(missing) > 0 {
			return nil, model.Invalid("invalid-params", "%s", missing[0])
		}
		if err := rooms.CanReadRoom(r.Context(), r.User, roomID); err != nil {
			return nil, model.Invalid("error-not-allowed", "Not allowed")
		}
		u, _ := p.Preview(r.Context(), url)
		u.IgnoreParse = true
		return api.M{"urlPreview": u}, nil
	})
}
