package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"liftoff/model"
)

// readEpoch returns the database's event numbering epoch (see
// migrations/0007_event_streams.sql).
func readEpoch(ctx context.Context, conn *sql.Conn) (string, error) {
	var epoch string
	if err := conn.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'epoch'").Scan(&epoch); err != nil {
		return "", fmt.Errorf("sqlite: read epoch: %w", err)
	}
	return epoch, nil
}

// newEpoch returns a fresh random epoch.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}

// numberEvents gives every event that carries a position the next number
// of its stream, in order, bumping the streams' counters in the open
// transaction: one statement for the whole batch. Events that carry no
// position pass unchanged.
func numberEvents(ctx context.Context, q querier, epoch string, events []model.Event) error {
	counts := map[string]int64{}
	var order []string
	for _, e := range events {
		if _, ok := model.PositionOf(e); !ok {
			continue
		}
		s := model.StreamOf(e)
		if _, seen := counts[s]; !seen {
			order = append(order, s)
		}
		counts[s]++
	}
	if len(order) == 0 {
		return nil
	}
	pairs := make([][2]any, len(order))
	for i, s := range order {
		pairs[i] = [2]any{s, counts[s]}
	}
	param, err := json.Marshal(pairs)
	if err != nil {
		return fmt.Errorf("sqlite: number events: %w", err)
	}
	// WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
	rows, err := q.query(ctx, `INSERT INTO event_streams (stream, seq)
		SELECT value ->> 0, value ->> 1 FROM json_each(?) WHERE true
		ON CONFLICT (stream) DO UPDATE SET seq = seq + excluded.seq
		RETURNING stream, seq`, string(param))
	if err != nil {
		return fmt.Errorf("sqlite: number events: %w", err)
	}
	next := make(map[string]int64, len(order))
	for rows.Next() {
		var s string
		var last int64
		if err := rows.Scan(&s, &last); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: number events: %w", err)
		}
		next[s] = last - counts[s] + 1
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("sqlite: number events: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: number events: %w", err)
	}
	for i, e := range events {
		if _, ok := model.PositionOf(e); !ok {
			continue
		}
		s := model.StreamOf(e)
		n, ok := next[s]
		if !ok {
			return fmt.Errorf("sqlite: number events: stream %q was not bumped", s)
		}
		events[i] = model.WithPosition(e, model.Position{Stream: s, Seq: n, Epoch: epoch})
		next[s] = n + 1
	}
	return nil
}
