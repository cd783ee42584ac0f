package slack_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"liftoff/chat"
	"liftoff/importer/mongodump"
	"liftoff/importer/rocketchat"
	"liftoff/importer/slack"
	"liftoff/importer/slack/slacktest"
	"liftoff/internal/app"
	"liftoff/internal/testserver"
	"liftoff/store/sqlite"
)

func writeExport(t *testing.T) string {
	t.Helper()
	p, err := slacktest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func importExport(t *testing.T, dataDir, export string) *rocketchat.Summary {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rocketchat")
	rep, err := slack.Convert(export, out, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Users != 3 || rep.Channels != 4 || rep.Messages != 8 {
		t.Fatalf("report: %+v", rep)
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
	return sum
}

func TestSlackExport(t *testing.T) {
	export := writeExport(t)
	data := t.TempDir()
	sum := importExport(t, data, export)
	if sum.Failed() != 0 || len(sum.Problems) != 0 {
		t.Fatalf("failures: %+v", sum)
	}
	srv := testserver.Start(t, testserver.Options{DataDir: data})
	admin := srv.Admin(t)
	// Imported users have no password: an administrator sets one.
	alice := admin.Get("/api/v1/users.info", "username", "alice").OK(t)
	if alice.Str("user._id") != slack.ID("user", "U01ALICE") || alice.Str("user.name") != "Alice Liddell" {
		t.Fatalf("alice: %s", alice.Body)
	}
	if r := srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "alice", "password": ""}); r.Status != 400 && r.Status != 401 {
		t.Errorf("login without a password: %d", r.Status)
	}
	if gone := admin.Get("/api/v1/users.info", "username", "gone.user").OK(t); gone.Get("user.active") != false {
		t.Errorf("deleted user: %s", gone.Body)
	}
	admin.Post("/api/v1/users.update", map[string]any{"userId": slack.ID("user", "U01ALICE"), "data": map[string]any{"password": "new-pass"}}).OK(t)
	a := srv.Login(t, "alice", "new-pass")

	// #general is Slack's general channel, with its history.
	info := a.Get("/api/v1/channels.info", "roomName", "general").OK(t)
	if info.Str("channel._id") != "GENERAL" || info.Str("channel.topic") != "Company-wide" || info.Num("channel.msgs") != 7 { // 6, and the test server's admin joining
		t.Errorf("general: %s", info.Body)
	}
	h := a.Get("/api/v1/channels.history", "roomId", "GENERAL", "count", "50").OK(t)
	byText := map[string]map[string]any{}
	for _, m := range h.List("messages") {
		mm := m.(map[string]any)
		byText[mm["msg"].(string)] = mm
	}
	root := byText["hi @bob, see [the plan](https://example.org) & #dev"]
	if root == nil || root["tcount"] != float64(2) || root["reactions"].(map[string]any)[":thumbsup:"] == nil ||
		len(root["mentions"].([]any)) != 1 || root["ts"] != "2024-01-01T00:01:40.000Z" {
		t.Errorf("thread root: %v\nhistory: %s", root, h.Body)
	}
	if f := byText["the logo"]; f == nil || len(f["attachments"].([]any)) != 1 {
		t.Errorf("file message: %v", f)
	}
	if b := byText["deployed @all"]; b == nil || b["alias"] != "deploybot" {
		t.Errorf("bot message: %v", b)
	}
	if j := byText["bob"]; j == nil || j["t"] != "uj" {
		t.Errorf("join: %v", j)
	}
	replies := a.Get("/api/v1/chat.getThreadMessages", "tmid", root["_id"].(string)).OK(t).List("messages")
	if len(replies) != 2 || replies[0].(map[string]any)["editedAt"] == nil && replies[1].(map[string]any)["editedAt"] == nil {
		t.Errorf("replies: %v", replies)
	}
	a.Get("/api/v1/groups.history", "roomName", "secret").OK(t)
	im := a.Get("/api/v1/im.list").OK(t).List("ims")
	if len(im) != 1 {
		t.Errorf("DMs: %v", im)
	}
	srv.Stop()

	// The same export again: nothing new.
	again := importExport(t, data, export)
	for _, c := range again.Collections {
		if c.Imported != 0 {
			t.Errorf("second import of %s: %d imported", c.Name, c.Imported)
		}
	}
}
