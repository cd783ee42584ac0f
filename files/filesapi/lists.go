package filesapi

import (
	"context"

	"liftoff/api"
	"liftoff/chat"
	"liftoff/files/uploads"
	"liftoff/model"
)

// Lister is what the files lists call (*uploads.Service).
type Lister interface {
	RoomFiles(ctx context.Context, room *model.Room, q uploads.FilesQuery, p model.Page) ([]uploads.RoomFile, int, error)
	RoomImages(ctx context.Context, user *model.User, roomID, startingFromID string, p model.Page) ([]uploads.RoomFile, int, error)
}

// Rooms finds the room a files list names (chat.Rooms).
type Rooms interface {
	FindRoom(ctx context.Context, user *model.User, ref chat.RoomRef, types ...string) (*model.Room, error)
	FindDirect(ctx context.Context, user *model.User, roomID, username string) (*model.Room, error)
}

// ListRoutes declares channels.files, groups.files, im.files (and its
// alias dm.files) and rooms.images.
func ListRoutes(rt *api.Router, svc Lister, rooms Rooms) {
	find := func(types ...string) func(r *api.Request, p *api.Params) (*model.Room, error) {
		return func(r *api.Request, p *api.Params) (*model.Room, error) {
			ref := chat.RoomRef{ID: p.String("roomId"), Name: p.String("roomName")}
			if err := p.Err(); err != nil {
				return nil, err
			}
			return rooms.FindRoom(r.Context(), r.User, ref, types...)
		}
	}
	rt.Get("channels.files", roomFiles(svc, find(model.RoomChannel)))
	rt.Get("groups.files", roomFiles(svc, find(model.RoomPrivate)))
	direct := roomFiles(svc, func(r *api.Request, p *api.Params) (*model.Room, error) {
		id, username := p.String("roomId"), p.String("username")
		if err := p.Err(); err != nil {
			return nil, err
		}
		return rooms.FindDirect(r.Context(), r.User, id, username)
	})
	rt.Get("im.files", direct)
	rt.Get("dm.files", direct)
	rt.Get("rooms.images", roomImages(svc))
}

func roomFiles(svc Lister, find func(r *api.Request, p *api.Params) (*model.Room, error)) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		room, err := find(r, p)
		if err != nil {
			return nil, err
		}
		q := uploads.FilesQuery{Name: p.String("name"), TypeGroup: p.String("typeGroup")}
		page := p.Page([]model.SortKey{{Field: "name"}}, "name", "uploadedAt", "size")
		if err := p.Err(); err != nil {
			return nil, err
		}
		files, total, err := svc.RoomFiles(r.Context(), room, q, page)
		if err != nil {
			return nil, err
		}
		return api.Paged("files", fileViews(files), len(files), page, total), nil
	}
}

func roomImages(svc Lister) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		rid := p.RequireString("roomId")
		from := p.String("startingFromId")
		page := p.Page(nil)
		if err := p.Err(); err != nil {
			return nil, err
		}
		files, total, err := svc.RoomImages(r.Context(), r.User, rid, from, page)
		if err != nil {
			return nil, err
		}
		return api.Paged("files", fileViews(files), len(files), page, total), nil
	}
}

// fileViews renders IUploadWithUser.
func fileViews(fs []uploads.RoomFile) []api.M {
	out := make([]api.M, 0, len(fs))
	for _, f := range fs {
		u := f.Upload
		v := api.M{"_id": u.ID, "name": u.Name, "size": u.Size, "type": u.Type, "rid": u.RoomID, "userId": u.UserID,
			"store": u.Store, "complete": u.Complete, "uploading": u.Uploading, "progress": u.Progress,
			"extension": u.Extension, "typeGroup": u.TypeGroup, "uploadedAt": u.UploadedAt, "_updatedAt": u.UpdatedAt,
			"path": u.Path, "url": u.URL}
		if u.ETag != "" {
			v["etag"] = u.ETag
		}
		if u.Description != "" {
			v["description"] = u.Description
		}
		if u.Identify != nil {
			v["identify"] = u.Identify
		}
		if u.MessageID != "" {
			v["message_id"] = u.MessageID
		}
		if f.User != nil {
			v["user"] = f.User
		}
		out = append(out, v)
	}
	return out
}
