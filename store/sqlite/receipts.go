package sqlite

import (
	"context"
	"fmt"
	"strings"

	"liftoff/model"
	"liftoff/receipts"
	"liftoff/store"
)

// The read receipts (receipts.Store), on messages.unread and the
// read_receipts table of migrations/0018_read_receipts.sql.

var _ receipts.Store = (*DB)(nil)

// UnreadMessages implements receipts.Store.
func (db *DB) UnreadMessages(ctx context.Context, roomID string) ([]receipts.Unread, error) {
	out, err := collect(ctx, db.q, func(s scanner) (receipts.Unread, error) {
		var u receipts.Unread
		var ts int64
		err := s.Scan(&u.ID, &ts, &u.AuthorID)
		u.SentAt = timeOf(ts)
		return u, err
	}, "SELECT id, ts, u_id FROM messages WHERE rid = ? AND unread = 1 AND hidden = 0 ORDER BY ts, seq", roomID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unread messages: %w", err)
	}
	return out, nil
}

// LastSeenOfMembers implements receipts.Store.
func (db *DB) LastSeenOfMembers(ctx context.Context, roomID string) (map[string]model.Time, error) {
	type seen struct {
		uid string
		ls  int64
	}
	rows, err := collect(ctx, db.q, func(s scanner) (seen, error) {
		var x seen
		err := s.Scan(&x.uid, &x.ls)
		return x, err
	}, "SELECT u_id, ls FROM subscriptions WHERE rid = ?", roomID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: last seen of members: %w", err)
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
	return db.Update(ctx, func(t store.Tx) error {
		for len(rs) > 0 {
			chunk := rs[:min(len(rs), 500)]
			rs = rs[len(chunk):]
			args := make([]any, 0, 5*len(chunk))
			for _, r := range chunk {
				args = append(args, r.ID, r.MessageID, r.RoomID, r.UserID, millis(r.At))
			}
			query := "INSERT INTO read_receipts (id, message_id, rid, u_id, ts) VALUES " +
				strings.Repeat("(?, ?, ?, ?, ?), ", len(chunk)-1) + "(?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
			if err := t.(*tx).execMany(ctx, "insert read receipts", query, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReceiptsOfMessage implements receipts.Store.
func (db *DB) ReceiptsOfMessage(ctx context.Context, messageID string, offset, count int) ([]receipts.Receipt, error) {
	limit := count
	if limit <= 0 {
		limit = -1
	}
	out, err := collect(ctx, db.q, func(s scanner) (receipts.Receipt, error) {
		var r receipts.Receipt
		var ts int64
		err := s.Scan(&r.ID, &r.MessageID, &r.RoomID, &r.UserID, &ts)
		r.At = timeOf(ts)
		return r, err
	}, "SELECT id, message_id, rid, u_id, ts FROM read_receipts WHERE message_id = ? ORDER BY ts, rowid LIMIT ? OFFSET ?",
		messageID, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("sqlite: receipts of message: %w", err)
	}
	return out, nil
}
