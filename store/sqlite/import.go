package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"liftoff/model"
	"liftoff/store"
)

// importRowsPerStatement is how many messages one INSERT of InsertMessages
// carries (18 parameters each, far below SQLite's 32,766).
const importRowsPerStatement = 100

// InsertMessages adds msgs inside tx (which must be a Tx of this package)
// with multi-row INSERT statements: the bulk path of imports and benchmark
// seeding. It does the same as calling tx.InsertMessage for each message
// (the messages are full-text indexed at commit), several times faster:
// SQLite copies every page a statement changes into its statement journal,
// so one statement per hundred messages copies each page once instead of
// once per message. A duplicate id fails the whole call with
// store.ErrConflict.
func InsertMessages(ctx context.Context, stx store.Tx, msgs []*model.Message) error {
	t, ok := stx.(*tx)
	if !ok {
		return errors.New("sqlite: InsertMessages needs a transaction of the sqlite store")
	}
	const cols = `INSERT INTO messages
		(id, rid, ts, updated_at, t, tmid, tshow, u_id, tcount, tlm, pinned, msg, mention_ids, starred_ids, data, hidden, drid, unread)
		VALUES `
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	var full string // the statement for a whole chunk, built once
	for len(msgs) > 0 {
		chunk := msgs[:min(importRowsPerStatement, len(msgs))]
		msgs = msgs[len(chunk):]
		args := make([]any, 0, 18*len(chunk))
		for _, m := range chunk {
			a, err := messageArgs(m)
			if err != nil {
				return err
			}
			args = append(args, a...)
		}
		query := full
		if len(chunk) < importRowsPerStatement || full == "" {
			query = cols + strings.Repeat(row+", ", len(chunk)-1) + row
			if len(chunk) == importRowsPerStatement {
				full = query
			}
		}
		if err := t.execMany(ctx, "insert messages", query, args...); err != nil {
			return fmt.Errorf("%w (%d messages)", err, len(chunk))
		}
	}
	return nil
}
