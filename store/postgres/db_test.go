package postgres

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"liftoff/internal/pgtest"
	"liftoff/model"
	"liftoff/store"
)

// admin runs statements on the test database outside the store.
func admin(t *testing.T, url string, sql ...string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range sql {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestWriterReconnects: the writer's connection ends (a server restart, an
// administrator's pg_terminate_backend); the next Update opens a new one
// and succeeds, with nothing lost.
func TestWriterReconnects(t *testing.T) {
	url := testURL(t)
	r := newRecorder()
	db := openURL(t, url, r, Options{})
	ctx := t.Context()
	for round := range 3 {
		if err := counterUpdate(ctx, db, false); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		admin(t, url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'liftoff-writer'`)
	}
	if err := counterUpdate(ctx, db, false); err != nil {
		t.Fatalf("after the last cut: %v", err)
	}
	checkCounting(t, waitFor(t, 4, r), db.Epoch())
}

// TestCommitFailureIsReported: the server ends the connection while it
// runs COMMIT (here a deferred trigger terminates its own backend): Update
// learns on another connection that the transaction did not commit and
// says so; nothing of it is kept or published, and the store goes on.
func TestCommitFailureIsReported(t *testing.T) {
	url := testURL(t)
	r := newRecorder()
	db := openURL(t, url, r, Options{})
	admin(t, url, `CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$`,
		`CREATE CONSTRAINT TRIGGER die AFTER INSERT ON settings DEFERRABLE INITIALLY DEFERRED
			FOR EACH ROW WHEN (NEW.id = 'die') EXECUTE FUNCTION die()`)
	ctx := t.Context()
	err := db.Update(ctx, func(tx store.Tx) error {
		s := &model.Setting{ID: "die"}
		tx.Emit(model.SettingChanged{Setting: s})
		return tx.UpsertSetting(ctx, s)
	})
	if err == nil || errors.Is(err, ErrCommitUnknown) {
		t.Fatalf("Update = %v, want a definite failure", err)
	}
	if _, err := db.SettingByID(ctx, "die"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed commit's write is there: %v", err)
	}
	if err := counterUpdate(ctx, db, false); err != nil {
		t.Fatalf("after the failed commit: %v", err)
	}
	events := waitFor(t, 1, r)
	checkCounting(t, events, db.Epoch()) // the failed commit used no number
}

// TestTextPostgresRefuses: NUL characters and invalid UTF-8, which Go
// strings hold and PostgreSQL's text refuses, are stored and found.
func TestTextPostgresRefuses(t *testing.T) {
	db := openTest(t, nil, Options{})
	ctx := t.Context()
	u := &model.User{ID: "u\x00", Username: "nul\x00user", Name: "bad \xff name", Type: "user"}
	m := &model.Message{ID: "m1", RoomID: "r1", Msg: "zero\x00byte and \xfe\xff bytes", Author: model.UserRef{ID: u.ID}}
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, u); err != nil {
			return err
		}
		return tx.InsertMessage(ctx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByUsername(ctx, "NUL\x00USER")
	if err != nil || got.Username != u.Username {
		t.Fatalf("UserByUsername = %+v, %v", got, err)
	}
	if _, err := db.UserByID(ctx, "u\x00"); err != nil {
		t.Fatalf("UserByID: %v", err)
	}
	ms, _, err := db.SearchMessages(ctx, "r1", "zero", store.Page{})
	if err != nil || len(ms) != 1 || ms[0].Msg != "zero\x00byte and \ufffd\ufffd bytes" {
		t.Fatalf("SearchMessages = %v, %v", ms, err)
	}
	ms, _, err = db.ListMessages(ctx, store.MessageQuery{RoomID: "r1", TextContains: "\x00byte"}, store.Page{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("ListMessages(TextContains NUL) = %d, %v", len(ms), err)
	}
}

// TestBackupRestores restores a backup with psql into a new database and
// opens it: the data is there, searchable, identity columns go on, and
// the event numbering has a new epoch.
func TestBackupRestores(t *testing.T) {
	r := newRecorder()
	db := openTest(t, r, Options{})
	ctx := t.Context()
	alice := &model.User{ID: "u1", Username: "Alice", Emails: []model.Email{{Address: "alice@example.com"}}, Type: "user", Roles: []string{"admin"}}
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, alice); err != nil {
			return err
		}
		if err := tx.InsertRoom(ctx, &model.Room{ID: "r1", Type: "c", Name: "general"}); err != nil {
			return err
		}
		for i, text := range []string{"backed up words", "it's a 'quoted'\ttab\nline \\ backslash", "Café crème"} {
			m := &model.Message{ID: "m" + string(rune('a'+i)), RoomID: "r1", Msg: text, SentAt: model.TimeFromMillis(int64(1000 + i))}
			if err := tx.InsertMessage(ctx, m); err != nil {
				return err
			}
			tx.Emit(model.MessageSaved{Message: m, Created: true})
		}
		return tx.DeleteMessage(ctx, "ma", model.TimeFromMillis(5000))
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3, r)
	path := filepath.Join(t.TempDir(), "liftoff.sql")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Fatal("Backup overwrote an existing file")
	}
	url := pgtest.URL(t) // empty: the script creates the schema
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql (Debian's postgresql-client, installed with the server by scripts/services.sh) is needed: %v", err)
	}
	out, err := exec.CommandContext(ctx, psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", path).CombinedOutput()
	if err != nil {
		script, _ := os.ReadFile(path)
		t.Fatalf("psql: %v\n%s\nscript:\n%s", err, out, script)
	}
	r2 := newRecorder()
	cp := openURL(t, url, r2, Options{})
	if cp.Epoch() == db.Epoch() || cp.Epoch() == "" {
		t.Fatalf("restored epoch %q, live %q", cp.Epoch(), db.Epoch())
	}
	if u, err := cp.UserByEmail(ctx, "ALICE@example.com"); err != nil || u.Username != "Alice" {
		t.Fatalf("user in the copy: %+v, %v", u, err)
	}
	ms, _, err := cp.ListMessages(ctx, store.MessageQuery{RoomID: "r1"}, store.Page{})
	if err != nil || len(ms) != 2 || ms[1].Msg != "it's a 'quoted'\ttab\nline \\ backslash" {
		t.Fatalf("messages in the copy: %+v, %v", ms, err)
	}
	if found, _, err := cp.SearchMessages(ctx, "r1", "creme", store.Page{}); err != nil || len(found) != 1 {
		t.Fatalf("search in the copy: %d, %v", len(found), err)
	}
	if ts, _, err := cp.Deleted(ctx, store.DeletedQuery{Kind: store.KindMessage, RoomID: "r1"}, store.Page{}); err != nil || len(ts) != 1 {
		t.Fatalf("tombstones in the copy: %v, %v", ts, err)
	}
	// Writing goes on: identity columns continue, streams continue.
	err = cp.Update(ctx, func(tx store.Tx) error {
		m := &model.Message{ID: "md", RoomID: "r1", Msg: "after restore", SentAt: model.TimeFromMillis(9000)}
		tx.Emit(model.MessageSaved{Message: m, Created: true})
		return tx.InsertMessage(ctx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := waitFor(t, 1, r2)
	if p, _ := model.PositionOf(ev[0]); p.Seq != 4 || p.Epoch != cp.Epoch() {
		t.Fatalf("first event of the copy at %+v, want seq 4 of epoch %s", p, cp.Epoch())
	}
	ms, _, _ = cp.ListMessages(ctx, store.MessageQuery{RoomID: "r1"}, store.Page{})
	if len(ms) != 3 || ms[0].ID != "md" {
		t.Fatalf("after restore: %d messages", len(ms))
	}
	script, _ := os.ReadFile(path)
	if strings.Contains(string(script), db.Epoch()) {
		t.Fatal("the backup carries the live epoch")
	}
}

// TestInstancesStartTogether: instances opening a new database at once
// apply the migrations once.
func TestInstancesStartTogether(t *testing.T) {
	url := pgtest.URL(t) // empty: the instances migrate it
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, 4)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = Open(t.Context(), url, nil, Options{})
		}()
	}
	wg.Wait()
	for i, db := range dbs {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		db.Close()
	}
}

func TestCloseRefuses(t *testing.T) {
	db, err := Open(t.Context(), pgtest.URL(t), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(t.Context(), func(store.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update after Close = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestBadURL(t *testing.T) {
	if _, err := Open(t.Context(), "postgres://nobody@127.0.0.1:1/x?connect_timeout=1", nil, Options{}); err == nil {
		t.Fatal("Open succeeded without a server")
	}
	if _, err := Open(t.Context(), "::not a url", nil, Options{}); err == nil {
		t.Fatal("Open accepted a malformed URL")
	}
}

func TestPanickingFunctionFailsAlone(t *testing.T) {
	db := openTest(t, nil, Options{})
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() { // concurrent calls share batches with the panicking ones
			defer wg.Done()
			errs[i] = db.Update(ctx, func(tx store.Tx) error {
				if err := tx.InsertUser(ctx, &model.User{ID: "u" + string(rune('a'+i)), Username: "user" + string(rune('a'+i))}); err != nil {
					return err
				}
				if i%3 == 0 {
					panic("boom")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		_, uerr := db.UserByID(ctx, "u"+string(rune('a'+i)))
		if i%3 == 0 {
			if err == nil || !errors.Is(uerr, store.ErrNotFound) {
				t.Fatalf("panicking call %d: %v; its write: %v", i, err, uerr)
			}
		} else if err != nil || uerr != nil {
			t.Fatalf("call %d: %v; its write: %v", i, err, uerr)
		}
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
	// The writer goes on.
	if err := db.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertUser(t.Context(), &model.User{ID: "u3", Username: "three"})
	}); err != nil {
		t.Fatal(err)
	}
}
