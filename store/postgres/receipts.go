package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"liftoff/model"
	"liftoff/receipts"
	"liftoff/store"
)

// The read receipts (receipts.Store), on messages.unread and the
// read_receipts table of migrations/0013_read_receipts.sql.

var _ receipts.Store = (*DB)(nil)

// UnreadMessages implements receipts.Store.
func (db *DB) UnreadMessages(ctx context.Context, roomID string) ([]receipts.Unread, error) {
	out, err := collect(ctx, db.q, func(r pgx.Rows) (receipts.Unread, error) {
		var u receipts.Unread
		var ts int64
		err := r.Scan(&u.ID, &ts, &u.AuthorID)
		u.SentAt = timeOf(ts)
		return u, err
	}, "SELECT id, ts, u_id FROM messages WHERE rid = $1 AND unread AND NOT hidden ORDER BY ts, seq", text(roomID))
	if err != nil {
		return nil, fmt.Errorf("postgres: unread messages: %w", err)
	}
	return out, nil
}

// LastSeenOfMembers implements receipts.Store.
func (db *DB) LastSeenOfMembers(ctx context.Context, roomID string) (map[string]model.Time, error) {
	type seen struct {
		uid string
		ls  int64
	}
	rows, err := collect(ctx, db.q, func(r pgx.Rows) (seen, error) {
		var x seen
		err := r.Scan(&x.uid, &x.ls)
		return x, err
	}, "SELECT u_id, ls FROM subscriptions WHERE rid = $1", text(roomID))
	if err != nil {
		return nil, fmt.Errorf("postgres: last seen of members: %w", err)
	}
	out := make(map[string]model.Time, len(rows))
	for _, r := range rows {
		out[r.uid] = timeOf(r.ls)
	}
	return out, nil
}

// InsertReceipts implements receipts.Store.
func (db *DB) InsertReceipts(ctx context.Context, rs []receipts.Receipt) error {
	if len(rs) == 0 {
		return nil
	}
	return db.Update(ctx, func(st store.Tx) error {
		for len(rs) > 0 {
			chunk := rs[:min(len(rs), 500)]
			rs = rs[len(chunk):]
			args := make([]any, 0, 5*len(chunk))
			rows := make([]string, 0, len(chunk))
			for i, r := range chunk {
				n := 5 * i
				rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5))
				args = append(args, text(r.ID), text(r.MessageID), text(r.RoomID), text(r.UserID), millis(r.At))
			}
			query := "INSERT INTO read_receipts (id, message_id, rid, u_id, ts) VALUES " + strings.Join(rows, ", ") + " ON CONFLICT DO NOTHING"
			if err := st.(*tx).execMany(ctx, "insert read receipts", query, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReceiptsOfMessage implements receipts.Store.
func (db *DB) ReceiptsOfMessage(ctx context.Context, messageID string, offset, count int) ([]receipts.Receipt, error) {
	var limit any // NULL: no limit
	if count > 0 {
		limit = count
	}
	out, err := collect(ctx, db.q, func(r pgx.Rows) (receipts.Receipt, error) {
		var x receipts.Receipt
		var ts int64
		err := r.Scan(&x.ID, &x.MessageID, &x.RoomID, &x.UserID, &ts)
		x.At = timeOf(ts)
		return x, err
	}, "SELECT id, message_id, rid, u_id, ts FROM read_receipts WHERE message_id = $1 ORDER BY ts, seq LIMIT $2 OFFSET $3",
		text(messageID), limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("postgres: receipts of message: %w", err)
	}
	return out, nil
}
