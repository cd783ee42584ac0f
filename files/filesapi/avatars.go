package filesapi

import (
	"context"
	"encoding/json"
	"io"
	"mime"

	"liftoff/api"
	"liftoff/files/avatars"
	"liftoff/model"
)

// Avatars is what users.setAvatar calls (*avatars.Service).
type Avatars interface {
	CheckChange(actor *model.User) error
	FromUpload(name string, r io.Reader) (*avatars.Picture, error)
	FromURL(ctx context.Context, rawURL string) (*avatars.Picture, error)
	SetUserAvatar(ctx context.Context, actor *model.User, targetID, targetUsername string, pic *avatars.Picture) error
}

// AvatarRoutes declares users.setAvatar: a multipart form with the
// picture in "image" (and optionally "userId" or "username"), or a JSON
// body {avatarUrl, userId, username}.
func AvatarRoutes(rt *api.Router, av Avatars) {
	rt.Post("users.setAvatar", setAvatar(av), api.StreamBody())
}

func setAvatar(av Avatars) api.Handler {
	return func(r *api.Request) (any, error) {
		if err := av.CheckChange(r.User); err != nil {
			return nil, err
		}
		mt, _, _ := mime.ParseMediaType(r.HTTP.Header.Get("Content-Type"))
		if mt != "multipart/form-data" {
			var body struct {
				AvatarURL string `json:"avatarUrl"`
				UserID    string `json:"userId"`
				Username  string `json:"username"`
			}
			b, err := io.ReadAll(io.LimitReader(r.HTTP.Body, maxFieldBytes))
			if err != nil || json.Unmarshal(b, &body) != nil {
				return nil, model.Invalid("error-invalid-body", "Invalid JSON body: the body must be a JSON object")
			}
			if body.AvatarURL == "" {
				return nil, model.Invalid("error-invalid-params", "The 'image' param is required")
			}
			pic, err := av.FromURL(r.Context(), body.AvatarURL)
			if err != nil {
				return nil, err
			}
			return nil, av.SetUserAvatar(r.Context(), r.User, body.UserID, body.Username, pic)
		}
		var pic *avatars.Picture
		fields, err := formParts(r, "image", func(name string, body io.Reader) error {
			var err error
			pic, err = av.FromUpload(name, body)
			return err
		})
		if err != nil {
			return nil, err
		}
		if pic == nil {
			return nil, model.Invalid("error-invalid-params", "The 'image' param is required")
		}
		return nil, av.SetUserAvatar(r.Context(), r.User, fields["userId"], fields["username"], pic)
	}
}
