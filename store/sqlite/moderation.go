package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"liftoff/moderation"
	"liftoff/store"
)

// The moderation reports (moderation.Store), on the moderation_reports
// table of migrations/0020_moderation.sql.

var _ moderation.Store = (*DB)(nil)

const reportCols = "data, hidden, mod_by, mod_at, mod_reason, mod_action"

func scanReport(s scanner) (*moderation.Report, error) {
	var (
		data               []byte
		hidden             bool
		by, reason, action string
		at                 int64
	)
	if err := s.Scan(&data, &hidden, &by, &at, &reason, &action); err != nil {
		return nil, err
	}
	r := new(moderation.Report)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	r.Hidden, r.ModerationInfo = hidden, nil
	if hidden {
		r.ModerationInfo = &moderation.Info{ModeratedBy: by, HiddenAt: timeOf(at), Reason: reason, Action: action}
	}
	return r, nil
}

func reportKind(r *moderation.Report) (kind, msgID, author, user string) {
	if r.Message != nil {
		return moderation.KindMessage, r.Message.ID, r.Message.Author.ID, ""
	}
	if r.ReportedUser != nil {
		return moderation.KindUser, "", "", r.ReportedUser.ID
	}
	return "", "", "", ""
}

// InsertReport implements moderation.Store.
func (db *DB) InsertReport(ctx context.Context, r *moderation.Report) error {
	c := *r
	c.Hidden, c.ModerationInfo = false, nil
	data, err := encode("report", &c)
	if err != nil {
		return err
	}
	kind, msgID, author, user := reportKind(r)
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execMany(ctx, "insert report",
			"INSERT INTO moderation_reports (id, kind, ts, msg_id, msg_author, reported_user, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
			r.ID, kind, r.TS.Millis(), msgID, author, user, data)
	})
}

// ReportByID implements moderation.Store.
func (db *DB) ReportByID(ctx context.Context, id string) (*moderation.Report, error) {
	r, ok, err := one(ctx, db.q, scanReport, "SELECT "+reportCols+" FROM moderation_reports WHERE id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: report: %w", err)
	}
	if !ok {
		return nil, notFound("report", id)
	}
	return r, nil
}

func reportWhere(q moderation.Query) (string, []any) {
	conds, args := []string{"hidden = 0"}, []any{}
	for _, f := range []struct{ col, v string }{{"kind", q.Kind}, {"msg_id", q.MessageID}, {"msg_author", q.MessageAuthorID}, {"reported_user", q.ReportedUserID}} {
		if f.v != "" {
			conds = append(conds, f.col+" = ?")
			args = append(args, f.v)
		}
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Reports implements moderation.Store.
func (db *DB) Reports(ctx context.Context, q moderation.Query) ([]*moderation.Report, error) {
	where, args := reportWhere(q)
	out, err := collect(ctx, db.q, scanReport, "SELECT "+reportCols+" FROM moderation_reports"+where+" ORDER BY ts DESC, rowid DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reports: %w", err)
	}
	return out, nil
}

// HideReports implements moderation.Store.
func (db *DB) HideReports(ctx context.Context, q moderation.Query, info moderation.Info) (int, error) {
	where, args := reportWhere(q)
	var n int64
	err := db.Update(ctx, func(t store.Tx) error {
		res, err := t.(*tx).exec(ctx, "UPDATE moderation_reports SET hidden = 1, mod_by = ?, mod_at = ?, mod_reason = ?, mod_action = ?"+where,
			append([]any{info.ModeratedBy, info.HiddenAt.Millis(), info.Reason, info.Action}, args...)...)
		if err != nil {
			return mapErr("sqlite: hide reports", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
