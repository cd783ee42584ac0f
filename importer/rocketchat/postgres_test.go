package rocketchat_test

import (
	"context"
	"testing"

	"liftoff/access"
	"liftoff/auth"
	"liftoff/chat"
	"liftoff/importer/mongodump"
	"liftoff/importer/rocketchat"
	"liftoff/importer/rocketchat/dumptest"
	"liftoff/internal/pgtest"
	"liftoff/settings"
	"liftoff/store/postgres"
)

// TestImportIntoPostgres imports the same workspace into PostgreSQL through
// the store contract (no bulk path) and checks what the server would serve.
func TestImportIntoPostgres(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.URL(t), nil, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := chat.New(chat.Deps{Store: db, Permissions: access.NewChecker(access.DefaultPermissions()),
		Settings: settings.NewRegistry(settings.Defaults())})
	if err := svc.Admin.Bootstrap(ctx, chat.BootstrapInput{}); err != nil {
		t.Fatal(err)
	}
	dump, err := mongodump.Open(writeDump(t, dumptest.Options{Gzip: true, CorruptMessage: true, Messages: 40}))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rocketchat.Import(ctx, dump, rocketchat.Options{Store: db, Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	if m := counts(t, sum, "rocketchat_message"); m.Imported != 56 || m.Failed != 1 || len(sum.Problems) != 0 {
		t.Fatalf("messages: %+v; problems %v", m, sum.Problems)
	}

	// The old password and the old session.
	a := auth.NewService(db, settings.NewRegistry(settings.Defaults()), auth.Options{BcryptCost: 4})
	if ok, err := a.CheckPassword(ctx, dumptest.BobID, dumptest.BobPassword, false); err != nil || !ok {
		t.Errorf("bob's argon2 password: %v %v", ok, err)
	}
	if u, err := a.Authenticate(ctx, dumptest.AliceID, dumptest.AliceToken); err != nil || u.Username != "alice" {
		t.Errorf("alice's session: %v %v", u, err)
	}
	// Counters rebuilt.
	root, err := db.MessageByID(ctx, dumptest.ThreadRoot)
	if err != nil || root.ThreadCount != 2 {
		t.Errorf("thread root: %+v %v", root, err)
	}
	room, err := db.RoomByID(ctx, dumptest.DevID)
	if err != nil || room.MessageCount != 49 || room.UsersCount != 3 {
		t.Errorf("dev: %+v %v", room, err)
	}
	sub, err := db.Subscription(ctx, dumptest.DevID, dumptest.BobID)
	if err != nil || sub.Unread != 2 || sub.UserMentions != 1 {
		t.Errorf("bob's subscription: %+v %v", sub, err)
	}
	if _, err := db.TeamMember(ctx, dumptest.TeamID, dumptest.CarolID); err != nil {
		t.Errorf("team member: %v", err)
	}
	// Again: nothing changes.
	again, err := rocketchat.Import(ctx, dump, rocketchat.Options{Store: db, Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again.Collections {
		if c.Imported != 0 {
			t.Errorf("second import of %s: %d imported", c.Name, c.Imported)
		}
	}
}
