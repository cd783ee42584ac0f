package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"liftoff/auth"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// BenchmarkAuthenticate measures what an authenticated REST request pays
// for its token: cached (auth.Sessions) and read from the database
// (auth.Recheck, as every request did before the cache).
//
//	go test ./auth -run '^$' -bench Authenticate -benchtime 20000x -count 3
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "a.db"), nil, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := auth.NewService(db, settings.NewRegistry(settings.Defaults()), auth.Options{BcryptCost: 4})
	u := &model.User{ID: "u1", Username: "alice", Name: "Alice", Type: "user", Active: true, Roles: []string{"user"},
		CreatedAt: model.TimeOf(time.Now())}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, u) }); err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.IssueToken(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		check interface {
			Authenticate(ctx context.Context, userID, token string) (*model.User, error)
		}
	}{{"cached", svc}, {"database", auth.Recheck{S: svc}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.check.Authenticate(ctx, "u1", token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
