package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"liftoff/model"
	"liftoff/model/eventjson"
)

// encodeEvent returns the outbox body of e: its JSON without the position,
// which the outbox keeps in columns.
func encodeEvent(e model.Event) (string, error) {
	if _, ok := model.PositionOf(e); ok {
		e = model.WithPosition(e, model.Position{})
	}
	b, err := eventjson.Encode(e)
	if err != nil {
		return "", fmt.Errorf("postgres: outbox: %w", err)
	}
	return string(b), nil
}

// runPublisher publishes the outbox while this instance holds the outbox
// lock, and stands by, ready to take over, while another instance does.
// soft ends publishing once the outbox is empty; hard ends it at once.
func (db *DB) runPublisher(soft, hard context.Context) {
	defer close(db.pubDone)
	for soft.Err() == nil {
		err := db.publishWhileLeader(soft, hard)
		if err == nil || soft.Err() != nil {
			continue
		}
		db.log.Warn("postgres: outbox publisher", "err", err)
		select {
		case <-soft.Done():
		case <-time.After(db.opts.StandbyPoll):
		}
	}
}

// publishWhileLeader opens a connection, waits until it holds the outbox
// lock (a session lock: it goes when the connection goes, so an instance
// that dies hands over within StandbyPoll), then drains the outbox until
// soft ends or the connection fails.
func (db *DB) publishWhileLeader(soft, hard context.Context) error {
	cctx, cancel := context.WithTimeout(hard, db.opts.ConnectTimeout)
	conn, err := pgx.ConnectConfig(cctx, withName(db.connCfg, "outbox"))
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	for {
		var leader bool
		if err := conn.QueryRow(hard, "SELECT pg_try_advisory_lock($1)", lockOutbox).Scan(&leader); err != nil {
			return fmt.Errorf("outbox lock: %w", err)
		}
		if leader {
			break
		}
		select {
		case <-soft.Done():
			return nil
		case <-time.After(db.opts.StandbyPoll):
		}
	}
	db.publishing.Store(true)
	defer db.publishing.Store(false)
	if _, err := conn.Exec(hard, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return db.drain(soft, hard, conn)
}

// outboxRow is one event waiting in the outbox.
type outboxRow struct {
	id, seq          int64
	stream, kind, by string
}

// drain publishes the outbox in id (commit) order: read a page, publish it
// until the publisher takes it, delete it, and wait for a notification when
// the outbox is empty. Rows are deleted only after Publish succeeded, so a
// crash in between publishes them again (at least once).
//
// Write transactions commit one at a time and take their outbox ids while
// holding the write lock, so the committed rows are always a prefix of the
// ids handed out (ids of rolled-back transactions are never seen): reading
// from the start of the table misses nothing.
func (db *DB) drain(soft, hard context.Context, conn *pgx.Conn) error {
	for {
		rows, err := conn.Query(hard, "SELECT id, stream, seq, kind, body FROM outbox ORDER BY id LIMIT $1", db.opts.PublishBatch)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
			var o outboxRow
			err := r.Scan(&o.id, &o.stream, &o.seq, &o.kind, &o.by)
			return o, err
		})
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if len(page) == 0 {
			if soft.Err() != nil {
				return nil
			}
			wctx, cancel := context.WithTimeout(soft, db.opts.IdlePoll)
			_, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("wait for notification: %w", err)
			}
			if conn.IsClosed() {
				return errors.New("connection closed")
			}
			continue
		}
		events := make([]model.Event, 0, len(page))
		for _, o := range page {
			e, err := eventjson.Decode(o.kind, []byte(o.by))
			if err != nil {
				// A kind from a newer version, or a damaged row: it cannot
				// be published by this program. Dropping it beats blocking
				// every later event; receivers see the gap in its stream.
				db.log.Error("postgres: outbox: undecodable event dropped", "id", o.id, "kind", o.kind, "err", err)
				continue
			}
			if o.seq > 0 {
				e = model.WithPosition(e, model.Position{Stream: o.stream, Seq: o.seq, Epoch: db.epoch})
			}
			events = append(events, e)
		}
		if len(events) > 0 {
			if err := db.publish(hard, events); err != nil {
				return err
			}
		}
		if _, err := conn.Exec(hard, "DELETE FROM outbox WHERE id <= $1", page[len(page)-1].id); err != nil {
			return fmt.Errorf("delete published events: %w", err)
		}
	}
}

// publish hands events to the publisher until it takes them, backing off
// between attempts, or ctx ends.
func (db *DB) publish(ctx context.Context, events []model.Event) error {
	wait := 50 * time.Millisecond
	for {
		err := db.callPublisher(ctx, events)
		if err == nil {
			return nil
		}
		db.log.Warn("postgres: outbox: publish failed; retrying", "events", len(events), "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// callPublisher calls the publisher, turning a panic into an error.
func (db *DB) callPublisher(ctx context.Context, events []model.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("publisher panicked: %v", p)
		}
	}()
	return db.pub.Publish(ctx, events...)
}
