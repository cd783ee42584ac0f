// Package pgtest gives a test a PostgreSQL database of its own on the
// machine's server, created empty for the test and dropped when it ends,
// so tests run side by side and leave nothing behind.
//
// The server is LIFTOFF_TEST_POSTGRES (a postgres:// URL of a database the
// tests may connect to in order to create others), by default the local
// one: postgres://postgres@127.0.0.1:5432/test. scripts/services.sh starts
// it. A test never skips for want of it: an unreachable server fails the
// test, saying how to start it.
//
// The URLs handed out turn synchronous_commit off for their sessions: a
// commit is visible and ordered as usual, only its flush to disk is not
// awaited, which tests do not need (they never crash the server) and which
// makes them several times faster on a busy machine. A package whose tests
// all start from the same schema prepares it once in a template
// (NewTemplate) and copies it for each test (FromTemplate).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
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
	return FromTemplate(t, "")
}

// FromTemplate is URL for a copy of the template database (NewTemplate);
// "" copies the server's default template (an empty database).
func FromTemplate(t testing.TB, template string) string {
	t.Helper()
	name, err := create("liftoff_test_", template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(name); err != nil {
			t.Error(err)
		}
	})
	return urlOf(name)
}

// NewTemplate creates a database (liftoff_tmpl_<random>), hands its URL
// to prepare (which must close every connection it opened), and returns
// its name for FromTemplate, and a function dropping it. Call it from
// TestMain, where no testing.TB exists.
func NewTemplate(prepare func(url string) error) (name string, drop func() error, err error) {
	name, err = create("liftoff_tmpl_", "")
	if err != nil {
		return "", nil, err
	}
	dropIt := func() error { return dropDatabase(name) }
	if err := prepare(urlOf(name)); err != nil {
		return "", nil, errors.Join(fmt.Errorf("pgtest: prepare template: %w", err), dropIt())
	}
	return name, dropIt, nil
}

func create(prefix, template string) (string, error) {
	admin := Server()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("pgtest: cannot reach the test PostgreSQL server at %s (start it with scripts/services.sh, or set LIFTOFF_TEST_POSTGRES): %w", admin, err)
	}
	defer conn.Close(context.Background())
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return name, nil
}

func urlOf(name string) string {
	u, err := url.Parse(Server())
	if err != nil {
		panic(fmt.Sprintf("pgtest: LIFTOFF_TEST_POSTGRES: %v", err))
	}
	u.Path = "/" + name
	return withSynchronousCommit(u, "off")
}

// Durable returns u (a URL handed out by this package) with
// synchronous_commit back on, as a deployment runs: for benchmarks.
func Durable(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		panic(fmt.Sprintf("pgtest: %v", err))
	}
	return withSynchronousCommit(parsed, "on")
}

func withSynchronousCommit(u *url.URL, mode string) string {
	q := u.Query()
	q.Del("options")
	// Spaces as %20: libpq-style URL parsers read "+" literally.
	opts := "options=" + strings.ReplaceAll(url.QueryEscape("-c synchronous_commit="+mode), "+", "%20")
	if enc := q.Encode(); enc != "" {
		opts = enc + "&" + opts
	}
	u.RawQuery = opts
	return u.String()
}

func dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, Server())
	if err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	defer conn.Close(context.Background())
	// FORCE ends the connections a failed test may have left.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}
