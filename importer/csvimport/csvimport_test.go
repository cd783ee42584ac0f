package csvimport_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/chat"
	"liftoff/importer/csvimport"
	"liftoff/importer/csvimport/csvtest"
	"liftoff/importer/mongodump"
	"liftoff/importer/rocketchat"
	"liftoff/internal/app"
	"liftoff/internal/testserver"
	"liftoff/store/sqlite"
)

func writeArchive(t *testing.T) string {
	t.Helper()
	p, err := csvtest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func importArchive(t *testing.T, dataDir, archive string) (*csvimport.Report, *rocketchat.Summary) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rocketchat")
	rep, err := csvimport.Convert(archive, out, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.LoadConfig([]string{"--data", dataDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), c, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Chat().Admin.Bootstrap(context.Background(), chat.BootstrapInput{}); err != nil {
		t.Fatal(err)
	}
	dump, err := mongodump.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rocketchat.Import(context.Background(), dump, rocketchat.Options{Store: a.Store(), InsertMessages: sqlite.InsertMessages})
	if err != nil {
		t.Fatal(err)
	}
	return rep, sum
}

func TestCSVArchive(t *testing.T) {
	archive := writeArchive(t)
	data := t.TempDir()
	rep, sum := importArchive(t, data, archive)
	if rep.Users != 3 || rep.Channels != 4 || rep.Messages != 7 {
		t.Fatalf("report: %+v", rep)
	}
	if !strings.Contains(strings.Join(rep.Notes, ";"), "contacts.csv") {
		t.Errorf("notes: %v", rep.Notes)
	}
	if sum.Failed() != 0 || len(sum.Problems) != 0 {
		t.Fatalf("summary: %+v", sum)
	}
	srv := testserver.Start(t, testserver.Options{DataDir: data})
	admin := srv.Admin(t)
	admin.Post("/api/v1/users.update", map[string]any{"userId": csvimport.ID("user", "alice"), "data": map[string]any{"password": "pw"}}).OK(t)
	alice := srv.Login(t, "alice", "pw")
	h := alice.Get("/api/v1/channels.history", "roomName", "dev").OK(t).List("messages")
	if len(h) != 3 || h[0].(map[string]any)["msg"] != `she said "ship it"` || h[2].(map[string]any)["ts"] != "2024-01-01T00:00:00.000Z" {
		t.Errorf("dev history: %v", h)
	}
	if r := admin.Get("/api/v1/users.info", "username", "carol").OK(t); r.Str("user.name") != "Danvers, Carol" {
		t.Errorf("carol: %s", r.Body)
	}
	if n := len(alice.Get("/api/v1/channels.history", "roomName", "random").OK(t).List("messages")); n != 1 {
		t.Errorf("random: %d", n)
	}
	ims := alice.Get("/api/v1/im.list").OK(t).List("ims")
	if len(ims) != 1 {
		t.Fatalf("DMs: %v", ims)
	}
	rid := ims[0].(map[string]any)["_id"].(string)
	if n := len(alice.Get("/api/v1/im.history", "roomId", rid).OK(t).List("messages")); n != 2 {
		t.Errorf("DM history: %d", n)
	}
	alice.Get("/api/v1/groups.info", "roomName", "secret").Fail(t, 400, "error-room-not-found")
	srv.Stop()

	_, again := importArchive(t, data, archive)
	for _, c := range again.Collections {
		if c.Imported != 0 {
			t.Errorf("second import of %s: %d imported", c.Name, c.Imported)
		}
	}
}
