package postgres

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Backup writes a consistent copy of the database to path (which must not
// exist), as a plain SQL script that psql restores into an empty database:
//
//	createdb liftoff2 && psql -v ON_ERROR_STOP=1 -d liftoff2 -f FILE
//
// The script holds the schema (this program's migrations) and the data of
// every table, read in one REPEATABLE READ snapshot while reads and writes
// go on. Left out: the outbox (its events belong to the running
// deployment, and are published by it) and the event numbering epoch (the
// restored database makes a new one, since its numbers restart below those
// already handed out; see model.Position).
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("postgres: backup: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("postgres: backup: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: backup: %w", err)
	}
	defer conn.Release()
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return writeDump(ctx, tx, w)
	})
	if err != nil {
		return fmt.Errorf("postgres: backup: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("postgres: backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("postgres: backup: %w", err)
	}
	return nil
}

// writeDump writes the script of Backup from inside its snapshot.
func writeDump(ctx context.Context, tx pgx.Tx, w *bufio.Writer) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var version int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return err
	}
	if version > len(ms) {
		return fmt.Errorf("the database's schema (version %d) is newer than this program's (%d)", version, len(ms))
	}
	fmt.Fprintf(w, "-- Liftoff PostgreSQL backup, schema version %d, taken %s.\n", version, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "-- Restore into an empty database: psql -v ON_ERROR_STOP=1 -d DATABASE -f FILE\n")
	fmt.Fprintf(w, "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nBEGIN;\n\n")
	for _, m := range ms[:version] {
		fmt.Fprintf(w, "-- migration %s\n%s\n", m.name, strings.TrimSpace(m.sql))
	}
	fmt.Fprintf(w, "\nCREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n")

	rows, err := tx.Query(ctx, `SELECT c.relname,
			string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE a.attgenerated = '')
		FROM pg_class AS c
		JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname <> 'outbox'
		GROUP BY c.relname ORDER BY c.relname`)
	if err != nil {
		return err
	}
	type table struct{ name, cols string }
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var t table
		err := r.Scan(&t.name, &t.cols)
		return t, err
	})
	if err != nil {
		return err
	}
	for _, t := range tables {
		source := pgx.Identifier{t.name}.Sanitize()
		if t.name == "meta" {
			source = "(SELECT " + t.cols + " FROM meta WHERE key <> 'epoch')"
		}
		fmt.Fprintf(w, "\nCOPY %s (%s) FROM stdin;\n", pgx.Identifier{t.name}.Sanitize(), t.cols)
		if _, err := tx.Conn().PgConn().CopyTo(ctx, w, "COPY "+source+" TO STDOUT"); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		fmt.Fprintf(w, "\\.\n")
	}

	// Identity sequences go on from where they stand (at least as far as
	// the rows copied above).
	rows, err = tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	type identity struct{ table, column string }
	ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity, error) {
		var i identity
		err := r.Scan(&i.table, &i.column)
		return i, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n")
	for _, i := range ids {
		var seq string
		if err := tx.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, $2)", i.table, i.column).Scan(&seq); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", i.table, i.column, err)
		}
		var last int64
		var called bool
		// seq comes quoted from PostgreSQL itself.
		if err := tx.QueryRow(ctx, "SELECT last_value, is_called FROM "+seq).Scan(&last, &called); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", i.table, i.column, err)
		}
		fmt.Fprintf(w, "SELECT setval(pg_get_serial_sequence(%s, %s), %d, %t);\n", literal(i.table), literal(i.column), last, called)
	}
	fmt.Fprintf(w, "\nCOMMIT;\n")
	return w.Flush()
}

// literal quotes s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
