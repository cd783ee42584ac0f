// Package moderationapi declares the endpoints of package moderation:
// chat.reportMessage, moderation.reportUser and the moderation console's
// moderation.* endpoints, with Rocket.Chat's permissions
// (view-moderation-console to read, manage-moderation-actions to act),
// pagination and answers.
package moderationapi

import (
	"strings"
	"time"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/model"
	"liftoff/moderation"
)

// Routes declares the REST endpoints.
func Routes(rt *api.Router, svc *moderation.Service) {
	view := api.Permission(perm.ViewModerationConsole)
	manage := api.Permission(perm.ManageModerationActions)

	rt.Post("chat.reportMessage", func(r *api.Request) (any, error) {
		var in struct {
			MessageID   *string `json:"messageId"`
			Description *string `json:"description"`
		}
		if err := decode(r, &in, []string{"messageId", "description"}); err != nil {
			return nil, err
		}
		if in.MessageID == nil {
			return nil, required("messageId")
		}
		if in.Description == nil {
			return nil, required("description")
		}
		if *in.MessageID == "" {
			return nil, model.Bare(model.KindInvalid, `The required "messageId" param is missing.`)
		}
		if *in.Description == "" {
			return nil, model.Bare(model.KindInvalid, `The required "description" param is missing.`)
		}
		return nil, svc.ReportMessage(r.Context(), r.User, *in.MessageID, *in.Description)
	})

	rt.Post("moderation.reportUser", func(r *api.Request) (any, error) {
		var in struct {
			UserID      *string `json:"userId"`
			Description *string `json:"description"`
		}
		if err := decode(r, &in, []string{"userId", "description"}); err != nil {
			return nil, err
		}
		if in.UserID == nil {
			return nil, required("userId")
		}
		if in.Description == nil {
			return nil, required("description")
		}
		return nil, svc.ReportUser(r.Context(), r.User, *in.UserID, *in.Description)
	})

	rt.Get("moderation.reportsByUsers", func(r *api.Request) (any, error) {
		rg, selector, srt, p, err := groupedParams(r)
		if err != nil {
			return nil, err
		}
		lines, total, err := svc.MessageReportsByUser(r.Context(), rg, selector, srt, p)
		if err != nil {
			return nil, err
		}
		out := make([]api.M, 0, len(lines))
		for _, l := range lines {
			ids := make([]string, 0, len(l.Rooms))
			for _, rm := range l.Rooms {
				ids = append(ids, rm.ID)
			}
			out = append(out, api.M{"userId": l.UserID, "username": l.Username, "name": l.Name, "message": l.Message,
				"msgId": l.MessageID, "ts": l.TS, "rooms": l.Rooms, "roomIds": ids, "count": l.Count, "isUserDeleted": l.IsUserDeleted})
		}
		if len(out) == 0 {
			total = 0
		}
		return api.Paged("reports", out, len(out), p, total), nil
	}, view)

	rt.Get("moderation.userReports", func(r *api.Request) (any, error) {
		rg, selector, srt, p, err := groupedParams(r)
		if err != nil {
			return nil, err
		}
		lines, total, err := svc.UserReports(r.Context(), rg, selector, srt, p)
		if err != nil {
			return nil, err
		}
		out := make([]api.M, 0, len(lines))
		for _, l := range lines {
			out = append(out, api.M{"reportedUser": l.ReportedUser, "ts": l.TS, "count": l.Count})
		}
		if len(out) == 0 {
			total = 0
		}
		return api.Paged("reports", out, len(out), p, total), nil
	}, view)

	rt.Get("moderation.user.reportedMessages", func(r *api.Request) (any, error) {
		userID, selector, asc, p, err := userParams(r)
		if err != nil {
			return nil, err
		}
		u, reports, count, total, err := svc.ReportedMessages(r.Context(), userID, selector, asc, p)
		if err != nil {
			return nil, err
		}
		var user any
		if u != nil {
			user = api.M{"_id": u.ID, "username": u.Username, "name": u.Name}
		}
		msgs := make([]api.M, 0, len(reports))
		for _, rep := range reports {
			msgs = append(msgs, api.M{"_id": rep.ID, "message": rep.Message, "ts": rep.TS, "room": rep.Room})
		}
		return api.M{"user": user, "messages": msgs, "count": count, "total": total, "offset": p.Offset}, nil
	}, view)

	rt.Get("moderation.user.reportsByUserId", func(r *api.Request) (any, error) {
		userID, selector, asc, p, err := userParams(r)
		if err != nil {
			return nil, err
		}
		u, reports, total, err := svc.ReportsOfUser(r.Context(), userID, selector, asc, p)
		if err != nil {
			return nil, err
		}
		var user any
		if u != nil {
			m := api.M{"_id": u.ID, "username": u.Username, "name": u.Name, "active": u.Active, "roles": u.Roles,
				"emails": u.Emails, "createdAt": u.CreatedAt}
			if u.Emails == nil {
				m["emails"] = []model.Email{}
			}
			if u.Roles == nil {
				m["roles"] = []string{}
			}
			if u.AvatarETag != "" {
				m["avatarETag"] = u.AvatarETag
			}
			user = m
		}
		out := make([]api.M, 0, len(reports))
		for _, rep := range reports {
			out = append(out, api.M{"_id": rep.ID, "description": rep.Description, "ts": rep.TS, "reportedBy": rep.ReportedBy,
				"reportedUser": rep.ReportedUser})
		}
		return api.M{"user": user, "reports": out, "count": len(out), "total": total, "offset": p.Offset}, nil
	}, view)

	rt.Get("moderation.reports", func(r *api.Request) (any, error) {
		if err := only(r, "msgId", "selector", "count", "offset", "sort"); err != nil {
			return nil, err
		}
		if !r.Has("msgId") {
			return nil, required("msgId")
		}
		msgID, _ := r.String("msgId")
		selector, _ := r.String("selector")
		asc, p, err := listPage(r)
		if err != nil {
			return nil, err
		}
		reports, total, err := svc.ReportsOfMessage(r.Context(), msgID, selector, asc, p)
		if err != nil {
			return nil, err
		}
		out := make([]api.M, 0, len(reports))
		for _, rep := range reports {
			out = append(out, api.M{"_id": rep.ID, "description": rep.Description, "reportedBy": rep.ReportedBy, "ts": rep.TS, "room": rep.Room})
		}
		return api.Paged("reports", out, len(out), p, total), nil
	}, view)

	rt.Get("moderation.reportInfo", func(r *api.Request) (any, error) {
		if err := only(r, "reportId"); err != nil {
			return nil, err
		}
		if !r.Has("reportId") {
			return nil, required("reportId")
		}
		id, _ := r.String("reportId")
		rep, err := svc.ReportByID(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return api.M{"report": rep}, nil
	}, view)

	rt.Post("moderation.user.deleteReportedMessages", func(r *api.Request) (any, error) {
		var in struct {
			UserID *string `json:"userId"`
			Reason string  `json:"reason"`
		}
		if err := decode(r, &in, []string{"userId", "reason"}); err != nil {
			return nil, err
		}
		if in.UserID == nil {
			return nil, required("userId")
		}
		p, err := r.Page(nil)
		if err != nil {
			return nil, err
		}
		return nil, svc.DeleteReportedMessages(r.Context(), r.User, *in.UserID, in.Reason, p)
	}, manage)

	rt.Post("moderation.dismissReports", func(r *api.Request) (any, error) {
		in, err := archiveParams(r)
		if err != nil {
			return nil, err
		}
		return nil, svc.DismissReports(r.Context(), r.User, in.UserID, in.MsgID, str(in.Reason), str(in.Action))
	}, manage)

	rt.Post("moderation.dismissUserReports", func(r *api.Request) (any, error) {
		in, err := archiveParams(r)
		if err != nil {
			return nil, err
		}
		return nil, svc.DismissUserReports(r.Context(), r.User, in.UserID, in.Reason, str(in.Action))
	}, manage)
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// required is the schema validator's refusal of a missing property.
func required(name string) error {
	return model.Invalid("invalid-params", "must have required property '%s'", name)
}

// decode reads a JSON body with only the allowed properties (Rocket.Chat's
// schemas are additionalProperties: false).
func decode(r *api.Request, v any, allowed []string) error {
	if err := r.Decode(v); err != nil {
		if e, ok := model.AsError(err); ok && e.Type == "error-invalid-body" {
			return required(allowed[0])
		}
		return model.Invalid("invalid-params", "must be string")
	}
	return only(r, allowed...)
}

// only refuses a parameter the endpoint's schema does not know.
func only(r *api.Request, allowed ...string) error {
	for _, name := range r.Names() {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		if !known {
			return model.Invalid("invalid-params", "must NOT have additional properties")
		}
	}
	return nil
}

type archive struct {
	UserID string  `json:"userId"`
	MsgID  string  `json:"msgId"`
	Reason *string `json:"reason"`
	Action *string `json:"action"`
}

// archiveParams reads Rocket.Chat's ArchiveReportProps: exactly one of
// userId and msgId.
func archiveParams(r *api.Request) (*archive, error) {
	var in archive
	if err := decode(r, &in, []string{"userId", "msgId", "reason", "action"}); err != nil {
		return nil, err
	}
	if r.Has("userId") == r.Has("msgId") {
		return nil, model.Invalid("invalid-params", "must match exactly one schema in oneOf")
	}
	return &in, nil
}

// listPage reads count, offset and a sort on ts (the only order the lists
// take; newest first by default); asc is an ascending sort.
func listPage(r *api.Request) (bool, model.Page, error) {
	p, err := r.Page(nil, "ts")
	if err != nil {
		return false, p, err
	}
	asc := len(p.Sort) > 0 && !p.Sort[0].Desc
	return asc, p, nil
}

func userParams(r *api.Request) (userID, selector string, asc bool, p model.Page, err error) {
	if err = only(r, "userId", "selector", "count", "offset", "sort"); err != nil {
		return
	}
	userID, _ = r.String("userId")
	if !r.Has("userId") {
		err = required("userId")
		return
	}
	if userID == "" {
		err = model.Invalid("invalid-params", "must NOT have fewer than 1 characters")
		return
	}
	selector, _ = r.String("selector")
	asc, p, err = listPage(r)
	return
}

// groupedParams reads the grouped lists' latest, oldest, selector, sort
// (by reports.ts or count) and page.
func groupedParams(r *api.Request) (moderation.Range, string, moderation.Sort, model.Page, error) {
	var rg moderation.Range
	var srt moderation.Sort
	if err := only(r, "latest", "oldest", "selector", "count", "offset", "sort"); err != nil {
		return rg, "", srt, model.Page{}, err
	}
	for _, b := range []struct {
		name string
		dst  *time.Time
	}{{"latest", &rg.Latest}, {"oldest", &rg.Oldest}} {
		v, _ := r.String(b.name)
		if v == "" {
			continue
		}
		t, err := parseDate(v)
		if err != nil {
			return rg, "", srt, model.Page{}, model.Invalid("invalid-params", `must match format "date"`)
		}
		*b.dst = t
	}
	selector, _ := r.String("selector")
	p, err := r.Page(nil, "reports.ts", "ts", "count")
	if err != nil {
		return rg, "", srt, p, err
	}
	if len(p.Sort) > 0 {
		srt = moderation.Sort{ByCount: p.Sort[0].Field == "count", Asc: !p.Sort[0].Desc}
	}
	return rg, strings.TrimSpace(selector), srt, p, nil
}

// parseDate reads a date as JavaScript's Date does for the console's
// values: an ISO date-time or a bare date (midnight UTC).
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, model.Invalid("invalid-params", "bad date")
}
