package rocketchat_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liftoff/chat"
	"liftoff/importer/mongodump"
	"liftoff/importer/rocketchat"
	"liftoff/importer/rocketchat/dumptest"
	"liftoff/internal/app"
	"liftoff/internal/testserver"
	"liftoff/store/sqlite"
)

// importInto imports the dump at dumpDir into the data directory as the
// CLI does, with ctx (which may be cancelled to interrupt it).
func importInto(ctx context.Context, t *testing.T, dataDir, dumpDir string, progress func(string, int, float64)) (*rocketchat.Summary, error) {
	t.Helper()
	c, err := app.LoadConfig([]string{"--data", dataDir}, []string{"LIFTOFF_BCRYPT_COST=4"})
	if err != nil {
		t.Fatal(err)
	}
	c.BulkWrites = true
	a, err := app.Open(context.Background(), c, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Chat().Admin.Bootstrap(context.Background(), chat.BootstrapInput{}); err != nil {
		t.Fatal(err)
	}
	dump, err := mongodump.Open(dumpDir)
	if err != nil {
		t.Fatal(err)
	}
	return rocketchat.Import(ctx, dump, rocketchat.Options{Store: a.Store(), InsertMessages: sqlite.InsertMessages,
		Batch: batchSize, Progress: progress, Files: a.FileStore, FilesDir: filepath.Join(dumpDir, "uploads")})
}

func mustImport(t *testing.T, dataDir, dumpDir string) *rocketchat.Summary {
	t.Helper()
	sum, err := importInto(context.Background(), t, dataDir, dumpDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func writeDump(t *testing.T, o dumptest.Options) string {
	t.Helper()
	dir, err := dumptest.Write(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func counts(t *testing.T, s *rocketchat.Summary, name string) rocketchat.Collection {
	t.Helper()
	c := s.Collection(name)
	if c == nil {
		t.Fatalf("no summary for %s", name)
	}
	return *c
}

func TestImportRocketChatWorkspace(t *testing.T) {
	dump := writeDump(t, dumptest.Options{})
	data := t.TempDir()
	sum := mustImport(t, data, dump)
	if sum.Failed() != 0 || len(sum.Problems) != 0 {
		t.Fatalf("failures or problems: %+v", sum)
	}
	for name, want := range map[string]rocketchat.Collection{
		"users":                   {Read: 5, Imported: 5},
		"rocketchat_room":         {Read: 8, Imported: 7, Skipped: 1}, // GENERAL replaces the fresh one; livechat skipped
		"rocketchat_subscription": {Read: 14, Imported: 13, Skipped: 1},
		"rocketchat_message":      {Read: 17, Imported: 16, Skipped: 1},
		"rocketchat_team":         {Read: 1, Imported: 1},
		"rocketchat_team_member":  {Read: 2, Imported: 2},
	} {
		got := counts(t, sum, name)
		if got.Read != want.Read || got.Imported != want.Imported || got.Skipped != want.Skipped || got.Existing != 0 {
			t.Errorf("%s: read %d imported %d existing %d skipped %d, want read %d imported %d skipped %d",
				name, got.Read, got.Imported, got.Existing, got.Skipped, want.Read, want.Imported, want.Skipped)
		}
	}
	if n := strings.Join(sum.NotImported, "; "); !strings.Contains(n, "omnichannel: rocketchat_livechat_visitor") {
		t.Errorf("not imported: %s", n)
	}
	if n := strings.Join(counts(t, sum, "users").Notes, "; "); !strings.Contains(n, "1 users had TOTP two-factor authentication enabled: their secrets") {
		t.Errorf("users notes: %s", n)
	}
	if n := strings.Join(counts(t, sum, "rocketchat_room").Notes, "; "); !strings.Contains(n, "1 rooms are end-to-end encrypted") {
		t.Errorf("rooms notes: %s", n)
	}
	if n := strings.Join(counts(t, sum, "rocketchat_settings").Notes, "; "); !strings.Contains(n, "Some_Enterprise_Setting") {
		t.Errorf("settings notes: %s", n)
	}

	srv := testserver.Start(t, testserver.Options{DataDir: data})

	// Passwords: bcrypt (plain and digest forms) and argon2id.
	alice := srv.Login(t, "alice", dumptest.AlicePassword)
	if alice.UserID != dumptest.AliceID {
		t.Fatalf("alice logged in as %s", alice.UserID)
	}
	sum256 := sha256.Sum256([]byte(dumptest.BobPassword))
	if r := srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "bob",
		"password": map[string]any{"digest": hex.EncodeToString(sum256[:]), "algorithm": "sha-256"}}); r.Str("data.userId") != dumptest.BobID {
		t.Errorf("bob's digest login: %d %s", r.Status, r.Body)
	}
	bob := srv.Login(t, "bob", dumptest.BobPassword)
	srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "bob", "password": "wrong"}).Fail(t, 401, "")

	// Sessions: the phone's login token and the personal access token
	// work; a token older than Accounts_LoginExpiration does not.
	as := func(token string) *testserver.Client {
		c := srv.Anon(t)
		c.UserID, c.Token = dumptest.AliceID, token
		return c
	}
	if u := as(dumptest.AliceToken).Get("/api/v1/me").OK(t).Str("username"); u != "alice" {
		t.Errorf("me with the old token: %q", u)
	}
	if r := srv.Anon(t).Post("/api/v1/login", map[string]any{"resume": dumptest.AliceToken}); r.Str("data.authToken") != dumptest.AliceToken {
		t.Errorf("resume login: %d %s", r.Status, r.Body)
	}
	as(dumptest.AlicePAT).Get("/api/v1/me").OK(t)
	if r := as(dumptest.AliceOldToken).Get("/api/v1/me"); r.Status != http.StatusUnauthorized {
		t.Errorf("expired token: %d %s", r.Status, r.Body)
	}

	// History: ids, texts, threads, reactions, pins, stars, edits; hidden
	// versions left out.
	h := alice.Get("/api/v1/channels.history", "roomId", dumptest.DevID, "count", "50").OK(t)
	byID := map[string]map[string]any{}
	for _, m := range h.List("messages") {
		mm := m.(map[string]any)
		byID[mm["_id"].(string)] = mm
	}
	if _, ok := byID[dumptest.EditedOld]; ok {
		t.Error("the hidden previous version is listed")
	}
	root := byID[dumptest.ThreadRoot]
	if root == nil || root["tcount"] != float64(2) || len(root["replies"].([]any)) != 3 {
		t.Errorf("thread root: %v", root)
	}
	hello := byID[dumptest.Hello]
	if hello == nil || hello["reactions"].(map[string]any)[":+1:"] == nil || len(hello["starred"].([]any)) != 1 ||
		hello["ts"] == nil || !strings.HasSuffix(hello["ts"].(string), "Z") {
		t.Errorf("hello: %v", hello)
	}
	if e := byID[dumptest.Edited]; e == nil || e["msg"] != "fixed text" || e["editedAt"] == nil {
		t.Errorf("edited: %v", e)
	}
	if p := byID[dumptest.Pinned]; p == nil || p["pinned"] != true {
		t.Errorf("pinned: %v", p)
	}
	if d := byID[dumptest.Deleted]; d == nil || d["t"] != "rm" {
		t.Errorf("deleted: %v", d)
	}
	replies := alice.Get("/api/v1/chat.getThreadMessages", "tmid", dumptest.ThreadRoot).OK(t).List("messages")
	if len(replies) != 2 {
		t.Errorf("thread replies: %d", len(replies))
	}
	if n := len(alice.Get("/api/v1/chat.getPinnedMessages", "roomId", dumptest.DevID).OK(t).List("messages")); n != 1 {
		t.Errorf("pinned messages: %d", n)
	}

	// Counters recomputed: 9 visible messages in #dev, 3 members.
	info := alice.Get("/api/v1/channels.info", "roomId", dumptest.DevID).OK(t)
	if info.Num("channel.msgs") != 9 || info.Num("channel.usersCount") != 3 {
		t.Errorf("dev: msgs %v usersCount %v", info.Num("channel.msgs"), info.Num("channel.usersCount"))
	}
	// Unread since each member last read #dev (Unread_Count all_messages,
	// imported): alice has bob's two, bob has alice's two with one mention.
	sa := alice.Get("/api/v1/subscriptions.getOne", "roomId", dumptest.DevID).OK(t)
	if sa.Num("subscription.unread") != 2 || sa.Num("subscription.userMentions") != 0 || sa.Get("subscription.f") != true {
		t.Errorf("alice's dev subscription: %s", sa.Body)
	}
	sb := bob.Get("/api/v1/subscriptions.getOne", "roomId", dumptest.DevID).OK(t)
	if sb.Num("subscription.unread") != 2 || sb.Num("subscription.userMentions") != 1 {
		t.Errorf("bob's dev subscription: %s", sb.Body)
	}

	// Files: the GridFS one and the FileSystem one, downloadable by members.
	for id, want := range map[string][]byte{dumptest.GridFSUpload: dumptest.GridFSBytes(), dumptest.FSUpload: dumptest.FSBytes} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/file-upload/"+id+"/x", nil)
		req.Header.Set("X-User-Id", bob.UserID)
		req.Header.Set("X-Auth-Token", bob.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("download %s: %d, %d bytes (want %d)", id, resp.StatusCode, len(got), len(want))
		}
	}
	if fm := alice.Get("/api/v1/chat.getMessage", "msgId", dumptest.FileMsg).OK(t); fm.Str("message.file._id") != dumptest.GridFSUpload {
		t.Errorf("file message: %s", fm.Body)
	}
	if u := counts(t, sum, "rocketchat_uploads"); u.Imported != 2 || u.Skipped != 1 || u.Failed != 0 {
		t.Errorf("uploads: %+v", u)
	}
	// alice's uploaded avatar.
	if r := bob.Get("/avatar/alice"); r.Status != http.StatusOK || !bytes.Equal(r.Body, dumptest.AvatarPNG()) {
		t.Errorf("alice's avatar: %d %.40q", r.Status, r.Body)
	}
	// Custom emoji: the GridFS one and the FileSystem one, listed and served.
	emojis := map[string]string{}
	for _, e := range bob.Get("/api/v1/emoji-custom.list").OK(t).List("emojis.update") {
		em := e.(map[string]any)
		emojis[em["_id"].(string)] = fmt.Sprintf("%v.%v %v", em["name"], em["extension"], em["aliases"])
	}
	if emojis[dumptest.PartyEmoji] != "party_parrot.png [parrot party]" || emojis[dumptest.ShipitEmoji] != "shipit.gif []" || len(emojis) != 2 {
		t.Errorf("emoji-custom.list: %v", emojis)
	}
	for file, want := range map[string][]byte{"party_parrot.png": dumptest.EmojiPNG(), "shipit.gif": dumptest.ShipitGIF} {
		if r := srv.Anon(t).Get("/emoji-custom/" + file); r.Status != http.StatusOK || !bytes.Equal(r.Body, want) {
			t.Errorf("emoji %s: %d %.40q", file, r.Status, r.Body)
		}
	}
	if e := counts(t, sum, "rocketchat_custom_emoji"); e.Read != 2 || e.Imported != 2 || e.Failed != 0 {
		t.Errorf("custom emoji: %+v", e)
	}
	if n := strings.Join(sum.NotImported, "; "); strings.Contains(n, "emoji") {
		t.Errorf("custom emoji listed as not imported: %s", n)
	}

	// Private group with a discussion (its count recounted), DM, team,
	// custom role, settings.
	alice.Get("/api/v1/groups.history", "roomId", dumptest.SecretID).OK(t)
	start := alice.Get("/api/v1/chat.getMessage", "msgId", dumptest.DiscussionStart).OK(t)
	if start.Num("message.dcount") != 1 || start.Str("message.drid") != dumptest.DiscussionID {
		t.Errorf("discussion start: %s", start.Body)
	}
	if d := alice.Get("/api/v1/groups.info", "roomId", dumptest.DiscussionID).OK(t); d.Str("group.prid") != dumptest.SecretID || d.Num("group.msgs") != 1 {
		t.Errorf("discussion: %s", d.Body)
	}
	// carol has TOTP on (imported): her password and a backup code.
	cr := srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "carol", "password": dumptest.CarolPassword, "code": dumptest.CarolBackup})
	if cr.Status != 200 {
		t.Fatalf("carol with a backup code: %d %s", cr.Status, cr.Body)
	}
	carol := srv.Anon(t)
	carol.UserID, carol.Token = cr.Str("data.userId"), cr.Str("data.authToken")
	carol.Get("/api/v1/groups.info", "roomId", dumptest.SecretID).Fail(t, 400, "error-room-not-found")
	if n := len(bob.Get("/api/v1/im.history", "roomId", dumptest.DirectID).OK(t).List("messages")); n != 1 {
		t.Errorf("DM history: %d", n)
	}
	if n := alice.Get("/api/v1/teams.info", "teamId", dumptest.TeamID).OK(t).Str("teamInfo.name"); n != "eng" {
		t.Errorf("team: %q", n)
	}
	if v := srv.Anon(t).Get("/api/v1/settings.public", "query", `{"_id":"Site_Name"}`).OK(t).Str("settings.0.value"); v != "Acme Chat" {
		t.Errorf("Site_Name: %q", v)
	}
	srv.Stop()

	// A second import changes nothing.
	again := mustImport(t, data, dump)
	for _, c := range again.Collections {
		if c.Imported != 0 || c.Failed != 0 {
			t.Errorf("second import of %s: imported %d failed %d (%v)", c.Name, c.Imported, c.Failed, c.Failures)
		}
	}
}

func TestImportGzipAndCorruptDocument(t *testing.T) {
	dump := writeDump(t, dumptest.Options{Gzip: true, CorruptMessage: true, BadEmoji: true})
	if err := os.Remove(filepath.Join(dump, "uploads", "shipit.gif")); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, t.TempDir(), dump)
	// Bad emoji are reported, the good one imported: no name, and pictures
	// neither in GridFS nor in --files.
	e := counts(t, sum, "rocketchat_custom_emoji")
	reasons := map[string]string{}
	for _, f := range e.Failures {
		reasons[f.ID] = f.Reason
	}
	if e.Read != 4 || e.Imported != 1 || e.Failed != 3 || !strings.Contains(reasons["namelessEmoji001"], "not a valid emoji name") ||
		!strings.Contains(reasons["lostEmoji0000001"], "not in the --files directory") || reasons[dumptest.ShipitEmoji] == "" {
		t.Errorf("custom emoji: %+v", e)
	}
	m := counts(t, sum, "rocketchat_message")
	if m.Read != 18 || m.Imported != 16 || m.Failed != 1 || m.Failures[0].ID != dumptest.CorruptID {
		t.Fatalf("messages: %+v", m)
	}
	if u := counts(t, sum, "users"); u.Imported != 5 {
		t.Fatalf("users: %+v", u)
	}
}

func TestImportInterruptedThenResumed(t *testing.T) {
	dump := writeDump(t, dumptest.Options{Messages: 50})
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := importInto(ctx, t, data, dump, func(collection string, docs int, _ float64) {
		if collection == "rocketchat_message" && docs >= 20 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted import: %v", err)
	}
	sum := mustImport(t, data, dump)
	m := counts(t, sum, "rocketchat_message")
	if m.Existing == 0 || m.Existing+m.Imported+m.Skipped != 67 || m.Failed != 0 {
		t.Fatalf("resumed messages: %+v", m)
	}
	srv := testserver.Start(t, testserver.Options{DataDir: data})
	alice := srv.Login(t, "alice", dumptest.AlicePassword)
	if n := alice.Get("/api/v1/channels.info", "roomId", dumptest.DevID).OK(t).Num("channel.msgs"); n != 59 {
		t.Errorf("dev msgs after resuming: %v", n)
	}
}

func TestOpenRefusesArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rocketchat.archive")
	if err := dumptest.WriteArchive(path); err != nil {
		t.Fatal(err)
	}
	_, err := mongodump.Open(path)
	if !errors.Is(err, mongodump.ErrArchive) || !strings.Contains(err.Error(), "mongodump --db rocketchat --out DIR") {
		t.Fatalf("archive: %v", err)
	}
}

// batchSize is small for the hand-written dumps (so batches and their
// boundaries are exercised), the default for volume.
var batchSize = func() int {
	if os.Getenv("LIFTOFF_IMPORT_MESSAGES") != "" {
		return 1000
	}
	return 3
}()

// TestImportMergesIntoAWorkspace imports into a data directory that already
// has users and channels: the same people (by e-mail) and the same channels
// (by name) are linked, not duplicated, and the existing credentials stay.
func TestImportMergesIntoAWorkspace(t *testing.T) {
	data := t.TempDir()
	srv := testserver.Start(t, testserver.Options{DataDir: data})
	alice := srv.CreateUser(t, "alice", map[string]any{"email": "alice@acme.example"})
	srv.Admin(t).Post("/api/v1/channels.create", map[string]any{"name": "dev", "members": []string{"alice"}}).OK(t)
	devID := alice.Get("/api/v1/channels.info", "roomName", "dev").OK(t).Str("channel._id")
	srv.Stop()

	sum := mustImport(t, data, writeDump(t, dumptest.Options{}))
	if sum.Failed() != 0 || len(sum.Problems) != 0 {
		t.Fatalf("summary: %+v", sum)
	}
	if u := counts(t, sum, "users"); u.Existing != 1 || u.Imported != 4 || !strings.Contains(strings.Join(u.Notes, ";"), "1 users matched") {
		t.Errorf("users: %+v", u)
	}
	srv = testserver.Start(t, testserver.Options{DataDir: data})
	if r := srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "alice", "password": dumptest.AlicePassword}); r.Status != http.StatusUnauthorized {
		t.Errorf("the dump's password replaced the existing one: %d", r.Status)
	}
	alice = srv.Login(t, "alice", "alice-pass")
	h := alice.Get("/api/v1/channels.history", "roomId", devID, "count", "50").OK(t)
	found := false
	for _, m := range h.List("messages") {
		mm := m.(map[string]any)
		if mm["_id"] == dumptest.Hello {
			found = mm["u"].(map[string]any)["_id"] == alice.UserID
		}
	}
	if !found {
		t.Errorf("the dump's #dev messages are not in the existing #dev, by the existing alice: %s", h.Body)
	}
	a, b := alice.UserID, dumptest.BobID
	if b < a {
		a, b = b, a
	}
	if n := len(alice.Get("/api/v1/im.history", "roomId", a+b).OK(t).List("messages")); n != 1 {
		t.Errorf("the DM with bob, under its new id: %d messages", n)
	}
	// alice keeps her own membership; bob and carol join.
	if n := alice.Get("/api/v1/channels.info", "roomId", devID).OK(t).Num("channel.usersCount"); n != 4 {
		t.Errorf("#dev members: %v", n)
	}
}
