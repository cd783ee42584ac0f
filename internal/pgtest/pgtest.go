// Package pgtest gives a test a PostgreSQL database of its own on the
// machine's server, created empty for the test and dropped when it ends,
// so tests run side by side and leave nothing behind.
//
// The server is LIFTOFF_TEST_POSTGRES (a postgres:// URL of a database the
// tests may connect to in order to create others), by default the local
// one: postgres://postgres@127.0.0.1:5432/test. scripts/services.sh starts
// it. A test never skips for want of it: an unreachable server fails the
// test, saying how to start it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultServer is the server used when LIFTOFF_TEST_POSTGRES is unset.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Server returns the URL of the database tests connect to for creating
// their own.
func Server() string {
	if u := os.Getenv("LIFTOFF_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultServer
}

// URL creates a new empty database (liftoff_test_<random>) and returns
// its URL; the database is dropped, with its connections, when the test
// ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := Server()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "liftoff_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: cannot reach the test PostgreSQL server at %s (start it with scripts/services.sh, or set LIFTOFF_TEST_POSTGRES): %v", admin, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, admin, name) })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func drop(t testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
		return
	}
	defer conn.Close(context.Background())
	// FORCE ends the connections a failed test may have left.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}
