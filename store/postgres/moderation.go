package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"liftoff/moderation"
	"liftoff/store"
)

// The moderation reports (moderation.Store), on the moderation_reports
// table of migrations/0015_moderation.sql.

var _ moderation.Store = (*DB)(nil)

const reportCols = "data, hidden, mod_by, mod_at, mod_reason, mod_action"

func scanReport(r pgx.Rows) (*moderation.Report, error) {
	var (
		data               []byte
		hidden             bool
		by, reason, action string
		at                 int64
	)
	if err := r.Scan(&data, &hidden, &by, &at, &reason, &action); err != nil {
		return nil, err
	}
	rep := new(moderation.Report)
	if err := json.Unmarshal(data, rep); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	rep.Hidden, rep.ModerationInfo = hidden, nil
	if hidden {
		rep.ModerationInfo = &moderation.Info{ModeratedBy: by, HiddenAt: timeOf(at), Reason: reason, Action: action}
	}
	return rep, nil
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
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execNew(ctx, "insert report", r.ID,
			"INSERT INTO moderation_reports (id, kind, ts, msg_id, msg_author, reported_user, data) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
			text(r.ID), kind, r.TS.Millis(), text(msgID), text(author), text(user), data)
	})
}

// ReportByID implements moderation.Store.
func (db *DB) ReportByID(ctx context.Context, id string) (*moderation.Report, error) {
	r, ok, err := one(ctx, db.q, scanReport, "SELECT "+reportCols+" FROM moderation_reports WHERE id = $1", text(id))
	if err != nil {
		return nil, fmt.Errorf("postgres: report: %w", err)
	}
	if !ok {
		return nil, notFound("report", id)
	}
	return r, nil
}

// reportWhere is the condition of q, its parameters numbered from first+1.
func reportWhere(q moderation.Query, first int) (string, []any) {
	conds, args := []string{"NOT hidden"}, []any{}
	for _, f := range []struct{ col, v string }{{"kind", q.Kind}, {"msg_id", q.MessageID}, {"msg_author", q.MessageAuthorID}, {"reported_user", q.ReportedUserID}} {
		if f.v != "" {
			args = append(args, text(f.v))
			conds = append(conds, f.col+" = $"+strconv.Itoa(first+len(args)))
		}
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Reports implements moderation.Store.
func (db *DB) Reports(ctx context.Context, q moderation.Query) ([]*moderation.Report, error) {
	where, args := reportWhere(q, 0)
	out, err := collect(ctx, db.q, scanReport, "SELECT "+reportCols+" FROM moderation_reports"+where+" ORDER BY ts DESC, seq DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: reports: %w", err)
	}
	return out, nil
}

// HideReports implements moderation.Store.
func (db *DB) HideReports(ctx context.Context, q moderation.Query, info moderation.Info) (int, error) {
	where, args := reportWhere(q, 4)
	var n int64
	err := db.Update(ctx, func(st store.Tx) error {
		tag, err := st.(*tx).Exec(ctx, "UPDATE moderation_reports SET hidden = true, mod_by = $1, mod_at = $2, mod_reason = $3, mod_action = $4"+where,
			append([]any{text(info.ModeratedBy), info.HiddenAt.Millis(), info.Reason, info.Action}, args...)...)
		if err != nil {
			return mapErr("postgres: hide reports", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}
