package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"liftoff/model"
	"liftoff/store"
	"liftoff/store/storetest"
)

func openTest(t *testing.T, sink store.EventSink, opts Options) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "liftoff.db"), sink, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, sink store.EventSink) store.Store {
		// NORMAL keeps the suite fast; durability is not what it checks.
		return openTest(t, sink, Options{Synchronous: "NORMAL"})
	})
}

// TestCommitOrder checks that concurrent read-modify-write calls are
// serialized and their events published in commit order: each call
// increments a counter and emits its new value, so the events must count
// 1, 2, 3... without gaps (failed calls roll their increment back).
func TestCommitOrder(t *testing.T) {
	var mu sync.Mutex
	var got []int
	sinkCalls := 0
	db := openTest(t, func(events []model.Event) {
		mu.Lock()
		defer mu.Unlock()
		sinkCalls++
		for _, e := range events {
			got = append(got, int(e.(model.SettingChanged).Setting.Value.(float64)))
		}
	}, Options{Synchronous: "NORMAL", MaxBatch: 16})
	ctx := t.Context()
	const n = 300
	var wg sync.WaitGroup
	var okCount sync.Map
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Update(ctx, func(tx store.Tx) error {
				v := 0.0
				s, err := tx.SettingByID(ctx, "counter")
				switch {
				case err == nil:
					v = s.Value.(float64)
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
				s = &model.Setting{ID: "counter", Value: v + 1, Type: "int"}
				if err := tx.UpsertSetting(ctx, s); err != nil {
					return err
				}
				tx.Emit(model.SettingChanged{Setting: s})
				if i%5 == 0 {
					return errors.New("fail")
				}
				return nil
			})
			okCount.Store(i, err == nil)
		}()
	}
	wg.Wait()
	committed := 0
	okCount.Range(func(_, v any) bool {
		if v.(bool) {
			committed++
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != committed {
		t.Fatalf("%d events for %d commits", len(got), committed)
	}
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("event %d has counter %d: %v", i, v, got)
		}
	}
	s, err := db.SettingByID(ctx, "counter")
	if err != nil || int(s.Value.(float64)) != committed {
		t.Fatalf("counter = %v, %v; want %d", s, err, committed)
	}
	if sinkCalls >= committed {
		t.Logf("no batching happened (%d sink calls for %d commits)", sinkCalls, committed)
	}
}

func TestSinkRunsBeforeUpdateReturns(t *testing.T) {
	var mu sync.Mutex
	var events []model.Event
	db := openTest(t, func(es []model.Event) {
		mu.Lock()
		events = append(events, es...)
		mu.Unlock()
	}, Options{})
	err := db.Update(t.Context(), func(tx store.Tx) error {
		tx.Emit(model.SettingChanged{Setting: &model.Setting{ID: "x"}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 {
		t.Fatalf("%d events when Update returned", len(events))
	}
}

func TestPanickingFunctionFailsAlone(t *testing.T) {
	db := openTest(t, nil, Options{Synchronous: "NORMAL"})
	ctx := t.Context()
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, &model.User{ID: "u1", Username: "one"}); err != nil {
			return err
		}
		panic("boom")
	})
	if err == nil {
		t.Fatal("a panicking function succeeded")
	}
	if _, err := db.UserByID(ctx, "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("write of a panicking function kept: %v", err)
	}
	if err := db.Update(ctx, func(tx store.Tx) error {
		return tx.InsertUser(ctx, &model.User{ID: "u2", Username: "two"})
	}); err != nil {
		t.Fatalf("writer broken after a panic: %v", err)
	}
}

func TestTxUnusableAfterFunction(t *testing.T) {
	db := openTest(t, nil, Options{})
	ctx := t.Context()
	var leaked store.Tx
	if err := db.Update(ctx, func(tx store.Tx) error { leaked = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := leaked.InsertUser(ctx, &model.User{ID: "u1"}); !errors.Is(err, errTxDone) {
		t.Fatalf("leaked tx write: %v", err)
	}
	if _, err := leaked.UserByID(ctx, "u1"); !errors.Is(err, errTxDone) {
		t.Fatalf("leaked tx read: %v", err)
	}
}

func TestContextEndsInsideFunction(t *testing.T) {
	db := openTest(t, nil, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, &model.User{ID: "u1", Username: "one"}); err != nil {
			return err
		}
		cancel()
		return tx.InsertUser(ctx, &model.User{ID: "u2", Username: "two"})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update = %v, want context.Canceled", err)
	}
	if _, err := db.UserByID(t.Context(), "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("write before the cancel kept: %v", err)
	}
}

func TestCloseDrainsAndRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liftoff.db")
	ctx := t.Context()
	db, err := Open(ctx, path, nil, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Update(ctx, func(tx store.Tx) error {
				return tx.InsertUser(ctx, &model.User{ID: fmt.Sprint("u", i), Username: fmt.Sprint("user", i)})
			})
		}()
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("update before close: %v", err)
		}
	}
	if err := db.Update(ctx, func(store.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update after Close = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	// Reopening keeps the data and does not re-run migrations.
	db2, err := Open(ctx, path, nil, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db2.Close()
	_, total, err := db2.ListUsers(ctx, store.UserQuery{}, store.Page{})
	if err != nil || total != n {
		t.Fatalf("after reopen: %d users, %v", total, err)
	}
}

func TestBackupIsUsable(t *testing.T) {
	db := openTest(t, nil, Options{})
	ctx := t.Context()
	if err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, &model.User{ID: "u1", Username: "one"}); err != nil {
			return err
		}
		return tx.InsertMessage(ctx, &model.Message{ID: "m1", RoomID: "r1", Msg: "backed up words", SentAt: model.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Fatal("Backup overwrote an existing file")
	}
	cp, err := Open(ctx, path, nil, Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer cp.Close()
	if cp.epoch == db.epoch || cp.epoch == "" {
		t.Fatalf("the backup kept the epoch %q (live %q): its event numbers would pass for duplicates", cp.epoch, db.epoch)
	}
	if _, err := cp.UserByUsername(ctx, "ONE"); err != nil {
		t.Fatalf("user in backup: %v", err)
	}
	ms, _, err := cp.SearchMessages(ctx, "r1", "backed", store.Page{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("search in backup: %d, %v", len(ms), err)
	}
}

// The database, its WAL and a backup hold every message and password
// hash: only their owner may read them, also when an older version left
// them readable by others.
func TestFilesAreOwnerOnly(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "liftoff.db")
	mode := func(p string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	db, err := Open(ctx, path, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, &model.User{ID: "u1", Username: "one"}) }); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "copy.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", backup} {
		if m := mode(p); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), m)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m := mode(path); m != 0o600 {
		t.Errorf("reopened 0644 database: mode %v, want 0600", m)
	}
}

func TestInvalidOptions(t *testing.T) {
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), nil, Options{Synchronous: "sometimes"}); err == nil {
		t.Fatal("Open accepted an invalid synchronous mode")
	}
}

func TestFTSQuery(t *testing.T) {
	for in, want := range map[string]string{
		"hello":            `"hello"*`,
		`hello "world" OR`: `"hello"* AND "world"* AND "OR"*`,
		"  ":               "",
		"café-au lait":     `"café"* AND "au"* AND "lait"*`,
		`NEAR(a b) * "x`:   `"NEAR"* AND "a"* AND "b"* AND "x"*`,
	} {
		if got := ftsQuery(in); got != want {
			t.Errorf("ftsQuery(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestSearchIndexIntegrity runs a mixed workload of inserts, edits and
// deletes (some in failing calls, many batched together) and then asks
// FTS5 to check its index against the messages table.
func TestSearchIndexIntegrity(t *testing.T) {
	db := openTest(t, nil, Options{Synchronous: "NORMAL"})
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				id := fmt.Sprintf("m%d-%d", g, i)
				_ = db.Update(ctx, func(tx store.Tx) error {
					m := &model.Message{ID: id, RoomID: "r1", Msg: fmt.Sprintf("word%d common text %d", i, g), SentAt: model.Now()}
					if err := tx.InsertMessage(ctx, m); err != nil {
						return err
					}
					if i%3 == 0 {
						m.Msg = "edited " + m.Msg
						if err := tx.UpdateMessage(ctx, m); err != nil {
							return err
						}
					}
					if i%5 == 0 {
						if err := tx.DeleteMessage(ctx, fmt.Sprintf("m%d-%d", g, i-1), model.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
							return err
						}
					}
					if i%7 == 0 {
						return errors.New("fail")
					}
					if i%4 == 0 {
						m.Msg = ""
						return tx.UpdateMessage(ctx, m)
					}
					return nil
				})
			}
		}()
	}
	wg.Wait()
	err := db.Update(ctx, func(stx store.Tx) error {
		_, err := stx.(*tx).exec(ctx, "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
		return err
	})
	if err != nil {
		t.Fatalf("FTS integrity check: %v", err)
	}
	ms, total, err := db.SearchMessages(ctx, "r1", "common", store.Page{Count: 5})
	if err != nil || len(ms) != 5 {
		t.Fatalf("search: %d of %d, %v", len(ms), total, err)
	}
	_, all, err := db.ListMessages(ctx, store.MessageQuery{RoomID: "r1", TextContains: "common"}, store.Page{})
	if err != nil || all != total {
		t.Fatalf("search found %d, LIKE found %d (%v)", total, all, err)
	}
}

// TestInsertionOrderSurvivesBackup checks that ties on a time still come
// in insertion order in a backup (VACUUM INTO rebuilds the tables; rowid
// tables keep their rows' relative order), also after rows in the middle
// were deleted.
func TestInsertionOrderSurvivesBackup(t *testing.T) {
	db := openTest(t, nil, Options{Synchronous: "NORMAL"})
	ctx := t.Context()
	ts := model.TimeFromMillis(1_700_000_000_000)
	var want []string
	for i := range 6 {
		id := fmt.Sprintf("r-%c", 'z'-i)
		if err := db.Update(ctx, func(tx store.Tx) error {
			return tx.InsertRoom(ctx, &model.Room{ID: id, Type: model.RoomChannel, Name: id, CreatedAt: ts, UpdatedAt: ts})
		}); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.DeleteRoom(ctx, want[2]) }); err != nil {
		t.Fatal(err)
	}
	want = append(want[:2], want[3:]...)
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(ctx, path, nil, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer cp.Close()
	for _, s := range []store.Reader{db, cp} {
		rooms, _, err := s.ListRooms(ctx, store.RoomQuery{}, store.Page{Sort: []store.SortKey{{Field: "ts"}}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rooms {
			got = append(got, r.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rooms by ts: got %v, want %v", got, want)
		}
	}
}

// TestInsertionOrderMigration checks that migration 0005 numbers the
// subscriptions and team memberships of an older database by creation
// time, and that new ones come after them.
func TestInsertionOrderMigration(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:4] {
		if _, err := conn.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA user_version = 4;
		INSERT INTO subscriptions (id, rid, u_id, ts) VALUES ('s-a', 'r1', 'u-a', 30), ('s-b', 'r1', 'u-b', 10), ('s-c', 'r1', 'u-c', 20);
		INSERT INTO team_members (team_id, user_id, created_at, data) VALUES ('t1', 'u-a', 30, '{}'), ('t1', 'u-b', 10, '{}')`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	raw.Close()

	db, err := Open(ctx, path, nil, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx store.Tx) error {
		return tx.InsertSubscription(ctx, &model.Subscription{ID: "s-d", RoomID: "r1", User: model.UserRef{ID: "u-d"}, JoinedAt: model.TimeFromMillis(5)})
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	rows, err := db.readDB.QueryContext(ctx, "SELECT id, seq FROM subscriptions ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int
		if err := rows.Scan(&id, &seq); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%d", id, seq))
	}
	if want := "[s-b:1 s-c:2 s-a:3 s-d:4]"; fmt.Sprint(got) != want {
		t.Fatalf("subscriptions' sequence: got %v, want %s", got, want)
	}
	var seqB, seqA int
	if err := db.readDB.QueryRowContext(ctx, "SELECT (SELECT seq FROM team_members WHERE user_id = 'u-b'), (SELECT seq FROM team_members WHERE user_id = 'u-a')").Scan(&seqB, &seqA); err != nil {
		t.Fatal(err)
	}
	if seqB != 1 || seqA != 2 {
		t.Fatalf("team members' sequence: u-b %d, u-a %d", seqB, seqA)
	}
}

func TestIntegrationsContract(t *testing.T) {
	storetest.RunIntegrations(t, func(t *testing.T) store.Integrations {
		return openTest(t, nil, Options{Synchronous: "NORMAL"})
	})
}
