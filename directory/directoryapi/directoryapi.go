// Package directoryapi declares the search endpoints of package directory:
// REST spotlight, directory, users.presence, the room autocompletes and the
// administration's room lists, and the DDP methods spotlight and
// browseChannels.
package directoryapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/directory"
	"liftoff/model"
	"liftoff/realtime"
)

// Routes declares the REST endpoints.
func Routes(rt *api.Router, svc *directory.Service) {
	rt.Get("spotlight", spotlight(svc))
	rt.Get("directory", browse(svc), api.Method("browseChannels"))
	rt.Get("users.presence", presence(svc))
	rt.Get("rooms.autocomplete.channelAndPrivate", roomsAutocomplete(svc, false))
	rt.Get("rooms.autocomplete.channelAndPrivate.withPagination", roomsAutocomplete(svc, true))
	rt.Get("rooms.autocomplete.availableForTeams", availableForTeams(svc))
	// Rocket.Chat refuses the administration lists with a plain 400.
	rt.Get("rooms.autocomplete.adminRooms", adminAutocomplete(svc), api.Status(model.KindForbidden, 400))
	rt.Get("rooms.adminRooms", adminRooms(svc), api.Status(model.KindForbidden, 400))
	rt.Get("rooms.adminRooms.getRoom", adminRoom(svc), api.Status(model.KindForbidden, 400))
}

// Methods declares the DDP methods.
func Methods(reg *ddpapi.Registrar, svc *directory.Service) {
	reg.Method("spotlight", spotlightMethod(svc))
	reg.Method("browseChannels", browseMethod(svc))
}

// spotlightUserView is a user in a spotlight answer.
type spotlightUserView struct {
	ID         string `json:"_id"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	Nickname   string `json:"nickname,omitempty"`
	Status     string `json:"status"`
	StatusText string `json:"statusText,omitempty"`
	AvatarETag string `json:"avatarETag,omitempty"`
	Outside    bool   `json:"outside,omitempty"`
}

// spotlightRoomView is a room in a spotlight answer.
type spotlightRoomView struct {
	ID               string         `json:"_id"`
	Type             string         `json:"t"`
	Name             string         `json:"name,omitempty"`
	DisplayName      string         `json:"fname,omitempty"`
	TeamMain         bool           `json:"teamMain,omitempty"`
	JoinCodeRequired bool           `json:"joinCodeRequired,omitempty"`
	LastMessage      *model.Message `json:"lastMessage,omitempty"`
	ParentRoomID     string         `json:"prid,omitempty"`
}

type spotlightView struct {
	Users []spotlightUserView `json:"users"`
	Rooms []spotlightRoomView `json:"rooms"`
}

// shownStatus is the status others see: an invisible user is offline.
func shownStatus(s string) string {
	if s == "" || s == model.StatusInvisible {
		return model.StatusOffline
	}
	return s
}

func spotlightOf(res *directory.SpotlightResult) spotlightView {
	v := spotlightView{Users: make([]spotlightUserView, 0, len(res.Users)), Rooms: make([]spotlightRoomView, 0, len(res.Rooms))}
	for _, f := range res.Users {
		u := f.User
		v.Users = append(v.Users, spotlightUserView{ID: u.ID, Username: u.Username, Name: u.Name, Nickname: u.Nickname,
			Status: shownStatus(u.Status), StatusText: u.StatusText, AvatarETag: u.AvatarETag, Outside: f.Outside})
	}
	for _, r := range res.Rooms {
		v.Rooms = append(v.Rooms, spotlightRoomView{ID: r.ID, Type: r.Type, Name: r.Name, DisplayName: r.DisplayName,
			TeamMain: r.TeamMain, JoinCodeRequired: r.JoinCodeRequired, LastMessage: r.LastMessage, ParentRoomID: r.ParentRoomID})
	}
	return v
}

func spotlight(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		text := p.RequireString("query")
		if err := p.Err(); err != nil {
			return nil, err
		}
		res, err := svc.Spotlight(r.Context(), r.User, directory.SpotlightQuery{Text: text, Users: true, Rooms: true})
		if err != nil {
			return nil, err
		}
		v := spotlightOf(res)
		return api.M{"users": v.Users, "rooms": v.Rooms}, nil
	}
}

// spotlightType is the third parameter of the spotlight method.
type spotlightType struct {
	Users    *bool `json:"users"`
	Rooms    *bool `json:"rooms"`
	Mentions bool  `json:"mentions"`
}

func spotlightMethod(svc *directory.Service) realtime.MethodFunc {
	return func(ctx context.Context, call *realtime.Call) (any, error) {
		text, err := ddpapi.RequireString(call, 0, "text")
		if err != nil {
			return nil, err
		}
		usernames, _, err := ddpapi.Param[[]string](call, 1)
		if err != nil {
			return nil, ddpapi.MatchFailed("usernames")
		}
		q := directory.SpotlightQuery{Text: text, Usernames: usernames, Users: true, Rooms: true}
		typ, ok, err := ddpapi.Param[spotlightType](call, 2)
		if err != nil {
			return nil, ddpapi.MatchFailed("type")
		}
		if ok {
			// As Rocket.Chat: a type object given selects what it names.
			q.Users = typ.Users != nil && *typ.Users
			q.Rooms = typ.Rooms != nil && *typ.Rooms
		}
		if q.RoomID, _, err = ddpapi.Param[string](call, 3); err != nil {
			return nil, ddpapi.MatchFailed("rid")
		}
		res, err := svc.Spotlight(ctx, call.User(), q)
		if err != nil {
			return nil, err
		}
		return spotlightOf(res), nil
	}
}

// browseQuery reads the directory's text, type and workspace: parameters
// of their own, or fields of the JSON "query" parameter (older clients).
func browseQuery(r *api.Request) (directory.BrowseQuery, error) {
	var q directory.BrowseQuery
	if raw, err := r.String("query"); err != nil {
		return q, err
	} else if raw != "" {
		var in struct {
			Text      string `json:"text"`
			Type      string `json:"type"`
			Workspace string `json:"workspace"`
		}
		if err := json.Unmarshal([]byte(raw), &in); err != nil {
			return q, model.Invalid("error-invalid-query", "Invalid query parameter provided: %s", raw)
		}
		q.Text, q.Type, q.Workspace = in.Text, in.Type, in.Workspace
	}
	p := r.Params()
	if s := p.String("text"); s != "" {
		q.Text = s
	}
	if s := p.String("type"); s != "" {
		q.Type = s
	}
	if s := p.String("workspace"); s != "" {
		q.Workspace = s
	}
	return q, p.Err()
}

// roomEntryView is a room in the directory, with its team's name or, for a
// team, its number of rooms.
type roomEntryView struct {
	*model.Room
	BelongsTo  string `json:"belongsTo,omitempty"`
	RoomsCount *int   `json:"roomsCount,omitempty"`
}

// userEntryView is a user in the directory.
type userEntryView struct {
	ID         string        `json:"_id"`
	Username   string        `json:"username"`
	Name       string        `json:"name"`
	Nickname   string        `json:"nickname,omitempty"`
	Bio        string        `json:"bio,omitempty"`
	CreatedAt  model.Time    `json:"createdAt"`
	Emails     []model.Email `json:"emails,omitempty"`
	AvatarETag string        `json:"avatarETag,omitempty"`
}

func browseEntries(entries []directory.BrowseEntry, teams bool) []any {
	out := make([]any, 0, len(entries))
	for _, e := range entries {
		if e.User != nil {
			u := e.User
			out = append(out, userEntryView{ID: u.ID, Username: u.Username, Name: u.Name, Nickname: u.Nickname, Bio: u.Bio,
				CreatedAt: u.CreatedAt, Emails: u.Emails, AvatarETag: u.AvatarETag})
			continue
		}
		v := roomEntryView{Room: e.Room, BelongsTo: e.BelongsTo}
		if teams {
			n := e.RoomsCount
			v.RoomsCount = &n
		}
		out = append(out, v)
	}
	return out
}

func browse(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		q, err := browseQuery(r)
		if err != nil {
			return nil, err
		}
		page, err := r.Page(nil, "name", "createdAt", "usersCount", "lastMessage", "username", "email", "bio", "usernames")
		if err != nil {
			return nil, err
		}
		if len(page.Sort) > 1 {
			return nil, model.Bare(model.KindInvalid, `This method support only one "sort" parameter`)
		}
		// Rocket.Chat: without a sort, the name, descending.
		q.Desc = true
		if len(page.Sort) == 1 {
			q.SortBy, q.Desc = page.Sort[0].Field, page.Sort[0].Desc
		}
		entries, total, err := svc.Browse(r.Context(), r.User, q, page.Offset, page.Count)
		if err != nil {
			return nil, err
		}
		return api.M{"result": browseEntries(entries, q.Type == "teams"), "count": len(entries), "offset": page.Offset, "total": total}, nil
	}
}

// browseParams is the browseChannels method's parameter.
type browseParams struct {
	Text          string `json:"text"`
	Workspace     string `json:"workspace"`
	Type          string `json:"type"`
	SortBy        string `json:"sortBy"`
	SortDirection string `json:"sortDirection"`
	Page          int    `json:"page"`
	Offset        int    `json:"offset"`
	Limit         int    `json:"limit"`
}

func browseMethod(svc *directory.Service) realtime.MethodFunc {
	return func(ctx context.Context, call *realtime.Call) (any, error) {
		in, _, err := ddpapi.Param[browseParams](call, 0)
		if err != nil {
			return nil, ddpapi.MatchFailed("params")
		}
		if in.SortDirection != "" && in.SortDirection != "asc" && in.SortDirection != "desc" {
			return nil, nil // Rocket.Chat answers nothing
		}
		limit := in.Limit
		if limit <= 0 {
			limit = 10
		}
		offset := in.Offset
		if offset == 0 && in.Page > 0 {
			offset = limit * in.Page
		}
		q := directory.BrowseQuery{Text: in.Text, Type: in.Type, Workspace: in.Workspace, SortBy: in.SortBy, Desc: in.SortDirection == "desc"}
		entries, total, err := svc.Browse(ctx, call.User(), q, offset, limit)
		if err != nil {
			if errors.Is(err, directory.ErrVerifyParams) {
				return nil, nil // Rocket.Chat's method answers nothing
			}
			return nil, err
		}
		return map[string]any{"total": total, "results": browseEntries(entries, q.Type == "teams")}, nil
	}
}

func presence(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		var ids []string
		if r.Has("ids") {
			list, err := r.Strings("ids")
			if err != nil {
				return nil, err
			}
			ids = []string{}
			for _, id := range list {
				if id = strings.TrimSpace(id); id != "" {
					ids = append(ids, id)
				}
			}
		}
		users, full, err := svc.Presence(r.Context(), r.User, ids)
		if err != nil {
			return nil, err
		}
		out := make([]api.M, 0, len(users))
		for _, u := range users {
			m := api.M{"_id": u.ID, "username": u.Username, "name": u.Name, "status": shownStatus(u.Status), "utcOffset": u.UTCOffset}
			if u.StatusText != "" {
				m["statusText"] = u.StatusText
			}
			if u.AvatarETag != "" {
				m["avatarETag"] = u.AvatarETag
			}
			out = append(out, m)
		}
		return api.M{"users": out, "full": full}, nil
	}
}

// selectorName reads the "name" of the JSON "selector" parameter the
// autocompletes take.
func selectorName(r *api.Request) (string, error) {
	raw, err := r.RequireString("selector")
	if err != nil {
		return "", err
	}
	var sel struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(raw), &sel); err != nil {
		return "", model.Invalid("error-invalid-params", "The 'selector' param must be a JSON object")
	}
	return sel.Name, nil
}

// autocompleteRoomView is a room in the autocompletes' answers.
type autocompleteRoomView struct {
	ID          string `json:"_id"`
	Name        string `json:"name,omitempty"`
	DisplayName string `json:"fname,omitempty"`
	Type        string `json:"t"`
	AvatarETag  string `json:"avatarETag,omitempty"`
	Encrypted   bool   `json:"encrypted,omitempty"`
}

func autocompleteViews(rooms []*model.Room) []autocompleteRoomView {
	out := make([]autocompleteRoomView, 0, len(rooms))
	for _, r := range rooms {
		out = append(out, autocompleteRoomView{ID: r.ID, Name: r.Name, DisplayName: r.DisplayName, Type: r.Type, AvatarETag: r.AvatarETag, Encrypted: r.Encrypted})
	}
	return out
}

func roomsAutocomplete(svc *directory.Service, paged bool) api.Handler {
	return func(r *api.Request) (any, error) {
		name, err := selectorName(r)
		if err != nil {
			return nil, err
		}
		var page model.Page
		if paged {
			if page, err = r.Page(nil, "name", "fname", "ts", "_updatedAt", "usersCount", "msgs", "lm"); err != nil {
				return nil, err
			}
		}
		rooms, total, err := svc.RoomsAutocomplete(r.Context(), r.User, name, page)
		if err != nil {
			return nil, err
		}
		if paged {
			return api.M{"items": autocompleteViews(rooms), "total": total}, nil
		}
		return api.M{"items": autocompleteViews(rooms)}, nil
	}
}

func availableForTeams(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		name, err := r.String("name")
		if err != nil {
			return nil, err
		}
		rooms, err := svc.RoomsAvailableForTeams(r.Context(), r.User, name)
		if err != nil {
			return nil, err
		}
		return api.M{"items": autocompleteViews(rooms)}, nil
	}
}

func adminAutocomplete(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		name, err := selectorName(r)
		if err != nil {
			return nil, err
		}
		rooms, err := svc.AdminRoomsAutocomplete(r.Context(), r.User, name)
		if err != nil {
			return nil, err
		}
		return api.M{"items": autocompleteViews(rooms)}, nil
	}
}

func adminRooms(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		filter := p.String("filter")
		types := p.Strings("types")
		// Rocket.Chat's clients send the list as types[]=c&types[]=p.
		types = append(types, r.HTTP.URL.Query()["types[]"]...)
		page := p.Page(nil, "name", "fname", "ts", "_updatedAt", "usersCount", "msgs", "lm")
		if err := p.Err(); err != nil {
			return nil, err
		}
		rooms, total, err := svc.AdminRooms(r.Context(), r.User, directory.AdminRoomsQuery{Filter: filter, Types: types}, page)
		if err != nil {
			return nil, err
		}
		if rooms == nil {
			rooms = []*model.Room{}
		}
		return api.M{"rooms": rooms, "count": len(rooms), "offset": page.Offset, "total": total}, nil
	}
}

func adminRoom(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		rid, err := r.String("rid")
		if err != nil {
			return nil, err
		}
		room, err := svc.AdminRoom(r.Context(), r.User, rid)
		if err != nil {
			return nil, err
		}
		if room == nil {
			// Rocket.Chat's API.v1.failure('not-allowed', 'Not Allowed').
			return api.Respond(400, api.M{"success": false, "error": "not-allowed", "errorType": "Not Allowed"}), nil
		}
		b, err := json.Marshal(room)
		if err != nil {
			return nil, err
		}
		var m api.M
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		return m, nil
	}
}

// LookupRoutes declares the lookups clients make before acting: membership,
// name checks, a user's teams, the moderators of a room, the
// administration's lists of conversations and users.
func LookupRoutes(rt *api.Router, svc *directory.Service) {
	rt.Get("rooms.isMember", isMember(svc))
	rt.Get("rooms.nameExists", nameExists(svc))
	rt.Get("users.listTeams", listTeams(svc))
	rt.Get("users.listByStatus", usersByStatus(svc), api.Permission(perm.ViewDRoom), api.Permission(perm.ViewOutsideRoom))
	rt.Get("channels.moderators", moderators(svc, model.RoomChannel))
	rt.Get("groups.moderators", moderators(svc, model.RoomPrivate))
	for _, prefix := range []string{"im", "dm"} {
		rt.Get(prefix+".list.everyone", directs(svc), api.Permission(perm.ViewRoomAdministration))
		rt.Get(prefix+".messages.others", directMessages(svc), api.Permission(perm.ViewRoomAdministration))
	}
}

func isMember(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		rid := p.RequireString("roomId")
		who := p.String("userId")
		if who == "" {
			who = p.String("username")
		}
		if err := p.Err(); err != nil {
			return nil, err
		}
		if who == "" {
			return nil, model.ErrMissingParam("userId")
		}
		ok, err := svc.IsMember(r.Context(), r.User, rid, who)
		if err != nil {
			return nil, err
		}
		return api.M{"isMember": ok}, nil
	}
}

func nameExists(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		name, err := r.RequireString("roomName")
		if err != nil {
			return nil, err
		}
		ok, err := svc.NameExists(r.Context(), name)
		if err != nil {
			return nil, err
		}
		return api.M{"exists": ok}, nil
	}
}

func listTeams(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		uid, err := r.String("userId")
		if err != nil {
			return nil, err
		}
		if uid == "" {
			uid = r.User.ID
		}
		teams, err := svc.UserTeams(r.Context(), r.User, uid)
		if err != nil {
			return nil, err
		}
		return api.M{"teams": teams}, nil
	}
}

func usersByStatus(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		q := directory.UsersByStatusQuery{Status: p.String("status"), Type: p.String("type"), Roles: p.Strings("roles"),
			SearchTerm: p.String("searchTerm")}
		q.Roles = append(q.Roles, r.HTTP.URL.Query()["roles[]"]...)
		if r.Has("hasLoggedIn") {
			v := p.Bool("hasLoggedIn", false)
			q.HasLoggedIn = &v
		}
		page := p.Page([]model.SortKey{{Field: "username"}}, "username", "name", "createdAt", "_updatedAt", "status")
		if err := p.Err(); err != nil {
			return nil, err
		}
		users, total, err := svc.UsersByStatus(r.Context(), r.User, q, page)
		if err != nil {
			return nil, err
		}
		return api.M{"users": users, "count": len(users), "offset": page.Offset, "total": total}, nil
	}
}

func moderators(svc *directory.Service, t string) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		id, name := p.String("roomId"), p.String("roomName")
		if err := p.Err(); err != nil {
			return nil, err
		}
		room, err := svc.ModeratedRoom(r.Context(), r.User, id, name, t)
		if err != nil {
			return nil, err
		}
		mods, err := svc.Moderators(r.Context(), r.User, room)
		if err != nil {
			return nil, err
		}
		return api.M{"moderators": mods}, nil
	}
}

func directs(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		page, err := r.Page([]model.SortKey{{Field: "name"}}, "name", "fname", "ts", "_updatedAt", "usersCount", "msgs", "lm")
		if err != nil {
			return nil, err
		}
		rooms, total, err := svc.Directs(r.Context(), r.User, page)
		if err != nil {
			return nil, err
		}
		return api.M{"ims": rooms, "count": len(rooms), "offset": page.Offset, "total": total}, nil
	}
}

func directMessages(svc *directory.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		rid, err := r.String("roomId")
		if err != nil {
			return nil, err
		}
		if rid == "" {
			return api.Respond(400, api.M{"success": false, "error": "The 'roomId' query parameter must be provided."}), nil
		}
		page, err := r.Page(nil, "ts", "_updatedAt")
		if err != nil {
			return nil, err
		}
		msgs, total, err := svc.DirectMessages(r.Context(), r.User, rid, page)
		if err != nil {
			return nil, err
		}
		return api.M{"messages": msgs, "count": len(msgs), "offset": page.Offset, "total": total}, nil
	}
}
