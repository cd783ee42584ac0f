package filesapi

import (
	"context"
	"io"
	"net/http"
	"time"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/files/emoji"
	"liftoff/model"
)

// Emoji is what the emoji-custom endpoints call (*emoji.Service).
type Emoji interface {
	Stage(ctx context.Context, id, fileName string, body io.Reader) (*emoji.Staged, error)
	Discard(ctx context.Context, st *emoji.Staged)
	Create(ctx context.Context, in emoji.Input, st *emoji.Staged) (*model.Emoji, error)
	Update(ctx context.Context, id string, in emoji.Input, st *emoji.Staged) (*model.Emoji, error)
	Delete(ctx context.Context, id string) error
	List(ctx context.Context, text string, since model.Time) ([]*model.Emoji, []emoji.Removed, error)
	All(ctx context.Context, text string, p model.Page) ([]*model.Emoji, int, error)
	Serve(w http.ResponseWriter, r *http.Request)
}

// EmojiRoutes declares the emoji-custom endpoints and /emoji-custom/.
func EmojiRoutes(rt *api.Router, svc Emoji) {
	rt.Post("emoji-custom.create", emojiCreate(svc), api.StreamBody(), api.Permission(perm.ManageEmoji))
	rt.Post("emoji-custom.update", emojiUpdate(svc), api.StreamBody(), api.Permission(perm.ManageEmoji))
	rt.Post("emoji-custom.delete", emojiDelete(svc), api.Permission(perm.ManageEmoji))
	rt.Get("emoji-custom.list", emojiList(svc))
	rt.Get("emoji-custom.all", emojiAll(svc))
	rt.HandleHTTP("GET /emoji-custom/{file...}", svc.Serve)
}

// emojiView is IEmojiCustom on the wire.
func emojiView(e *model.Emoji) api.M {
	aliases := e.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	return api.M{"_id": e.ID, "name": e.Name, "aliases": aliases, "extension": e.Extension, "etag": e.ETag, "_updatedAt": e.UpdatedAt}
}

func emojiViews(es []*model.Emoji) []api.M {
	out := make([]api.M, 0, len(es))
	for _, e := range es {
		out = append(out, emojiView(e))
	}
	return out
}

// emojiForm reads an emoji form: the picture in "emoji" is staged as it
// streams; name, aliases and _id are returned.
func emojiForm(r *api.Request, svc Emoji) (map[string]string, *emoji.Staged, error) {
	var st *emoji.Staged
	fields, err := formParts(r, "emoji", func(name string, body io.Reader) error {
		var err error
		st, err = svc.Stage(r.Context(), "", name, body)
		return err
	})
	if err != nil {
		svc.Discard(r.Context(), st)
		return nil, nil, err
	}
	return fields, st, nil
}

func emojiCreate(svc Emoji) api.Handler {
	return func(r *api.Request) (any, error) {
		fields, st, err := emojiForm(r, svc)
		if err != nil {
			return nil, err
		}
		if _, err := svc.Create(r.Context(), emoji.Input{Name: fields["name"], Aliases: fields["aliases"]}, st); err != nil {
			return nil, err
		}
		return nil, nil
	}
}

func emojiUpdate(svc Emoji) api.Handler {
	return func(r *api.Request) (any, error) {
		fields, st, err := emojiForm(r, svc)
		if err != nil {
			return nil, err
		}
		if _, err := svc.Update(r.Context(), fields["_id"], emoji.Input{Name: fields["name"], Aliases: fields["aliases"]}, st); err != nil {
			return nil, err
		}
		return nil, nil
	}
}

func emojiDelete(svc Emoji) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		id := p.String("emojiId")
		if err := p.Err(); err != nil {
			return nil, err
		}
		if id == "" {
			return nil, model.Invalid("error-invalid-params", `The "emojiId" params is required!`)
		}
		return nil, svc.Delete(r.Context(), id)
	}
}

func emojiList(svc Emoji) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		since := p.String("updatedSince")
		text := p.String("name")
		if err := p.Err(); err != nil {
			return nil, err
		}
		var t model.Time
		if since != "" {
			parsed, err := time.Parse(time.RFC3339Nano, since)
			if err != nil {
				return nil, model.Invalid("error-roomId-param-invalid", `The "updatedSince" query parameter must be a valid date.`)
			}
			t = model.TimeOf(parsed)
		}
		es, removed, err := svc.List(r.Context(), text, t)
		if err != nil {
			return nil, err
		}
		remove := make([]api.M, 0, len(removed))
		for _, rm := range removed {
			remove = append(remove, api.M{"_id": rm.ID, "_deletedAt": rm.DeletedAt})
		}
		return api.M{"emojis": api.M{"update": emojiViews(es), "remove": remove}}, nil
	}
}

func emojiAll(svc Emoji) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		text := p.String("name")
		page := p.Page([]model.SortKey{{Field: "name"}}, "name", "_updatedAt")
		if err := p.Err(); err != nil {
			return nil, err
		}
		es, total, err := svc.All(r.Context(), text, page)
		if err != nil {
			return nil, err
		}
		return api.Paged("emojis", emojiViews(es), len(es), page, total), nil
	}
}
