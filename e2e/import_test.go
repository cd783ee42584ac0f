package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"liftoff/importer/csvimport/csvtest"
	"liftoff/importer/rocketchat/dumptest"
	"liftoff/importer/slack/slacktest"
	"liftoff/internal/pgtest"
	"liftoff/internal/testserver"
)

// liftoffImport runs "liftoff import rocketchat ARGS..." on the data
// directory and returns its output and error.
func liftoffImport(t *testing.T, dataDir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testserver.Binary(t), append([]string{"import", "rocketchat"}, args...)...)
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+dataDir, "LIFTOFF_BCRYPT_COST=4")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestImportRocketChatBinary moves a Rocket.Chat workspace with the CLI,
// then starts the real server on it: users log in with their old passwords
// and their old sessions go on.
func TestImportRocketChatBinary(t *testing.T) {
	dump, err := dumptest.Write(t.TempDir(), dumptest.Options{Gzip: true})
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	out, err := liftoffImport(t, data, dump, "--files", filepath.Join(dump, "uploads"))
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{"users", "rocketchat_message", "check: consistent", "not imported: omnichannel"} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}

	srv := testserver.StartBinary(t, testserver.Options{DataDir: data})
	alice := srv.Login(t, "alice", dumptest.AlicePassword)
	if alice.UserID != dumptest.AliceID {
		t.Fatalf("alice is %s", alice.UserID)
	}
	srv.Login(t, "bob", dumptest.BobPassword)
	// carol kept her TOTP secret and backup codes: her password alone is
	// not enough; her authenticator's code is, and a backup code once.
	carol := map[string]any{"user": "carol", "password": dumptest.CarolPassword}
	if r := srv.Anon(t).Post("/api/v1/login", carol); r.Status != http.StatusUnauthorized || r.Str("error") != "totp-required" || r.Str("details.method") != "totp" {
		t.Errorf("carol without a code: %d %s", r.Status, r.Body)
	}
	code, err := totp.GenerateCode(dumptest.CarolTOTP, srv.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := srv.Anon(t).Post("/api/v1/login", map[string]any{"user": "carol", "password": dumptest.CarolPassword, "code": code}); r.Status != http.StatusOK {
		t.Errorf("carol with her authenticator's code: %d %s", r.Status, r.Body)
	}
	backup := map[string]any{"user": "carol", "password": dumptest.CarolPassword, "code": dumptest.CarolBackup}
	if r := srv.Anon(t).Post("/api/v1/login", backup); r.Status != http.StatusOK {
		t.Errorf("carol with a backup code: %d %s", r.Status, r.Body)
	}
	if r := srv.Anon(t).Post("/api/v1/login", backup); r.Str("error") != "totp-invalid" {
		t.Errorf("carol's backup code twice: %d %s", r.Status, r.Body)
	}
	phone := srv.Anon(t)
	phone.UserID, phone.Token = dumptest.AliceID, dumptest.AliceToken
	if u := phone.Get("/api/v1/me").OK(t).Str("username"); u != "alice" {
		t.Errorf("the old session: %q", u)
	}
	if n := len(alice.Get("/api/v1/channels.history", "roomId", dumptest.DevID).OK(t).List("messages")); n != 7 { // thread replies are not shown in the room
		t.Errorf("history: %d messages", n)
	}
	for id, size := range map[string]int{dumptest.GridFSUpload: len(dumptest.GridFSBytes()), dumptest.FSUpload: len(dumptest.FSBytes)} {
		r := alice.Get("/file-upload/" + id + "/f")
		if r.Status != 200 || len(r.Body) != size {
			t.Errorf("download %s: %d, %d bytes", id, r.Status, len(r.Body))
		}
	}
	// Custom emoji, from GridFS and from --files: listed, and their
	// pictures served byte for byte.
	names := map[string]string{}
	for _, e := range alice.Get("/api/v1/emoji-custom.list").OK(t).List("emojis.update") {
		em := e.(map[string]any)
		names[em["_id"].(string)] = em["name"].(string) + "." + em["extension"].(string)
	}
	if names[dumptest.PartyEmoji] != "party_parrot.png" || names[dumptest.ShipitEmoji] != "shipit.gif" {
		t.Errorf("emoji-custom.list: %v", names)
	}
	for file, want := range map[string][]byte{"party_parrot.png": dumptest.EmojiPNG(), "shipit.gif": dumptest.ShipitGIF} {
		if r := srv.Anon(t).Get("/emoji-custom/" + file); r.Status != 200 || !bytes.Equal(r.Body, want) {
			t.Errorf("emoji %s: %d, %d bytes (want %d)", file, r.Status, len(r.Body), len(want))
		}
	}
	srv.Stop()

	// Running it again changes nothing and needs no --merge: it is the same dump.
	out, err = liftoffImport(t, data, dump)
	if err != nil {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	// Another dump into a data directory with users is refused without --merge.
	other, err := dumptest.Write(t.TempDir(), dumptest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := liftoffImport(t, data, other); err == nil || !strings.Contains(out, "--merge") {
		t.Errorf("import into a used data directory: %v\n%s", err, out)
	}
	if out, err := liftoffImport(t, data, other, "--merge"); err != nil {
		t.Errorf("--merge: %v\n%s", err, out)
	}
	// --files must be a directory.
	if out, err := liftoffImport(t, t.TempDir(), dump, "--files", filepath.Join(dump, "nowhere")); err == nil || !strings.Contains(out, "not a directory") {
		t.Errorf("--files: %v\n%s", err, out)
	}
	// The archive form is refused with the way to the directory form.
	archive := filepath.Join(t.TempDir(), "dump.archive")
	if err := dumptest.WriteArchive(archive); err != nil {
		t.Fatal(err)
	}
	if out, err := liftoffImport(t, t.TempDir(), archive); err == nil || !strings.Contains(out, "--out DIR") {
		t.Errorf("archive: %v\n%s", err, out)
	}
}

// TestImportSlackAndCSVBinary imports a Slack export and a CSV archive with
// the CLI and serves them.
func TestImportSlackAndCSVBinary(t *testing.T) {
	// Slack's file server, on loopback: the logo (for the URL's token), a
	// file that is gone.
	slackFiles := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/files-pri/T01-F01/logo.png" && r.URL.Query().Get("t") == "xoxe-1" {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(slacktest.LogoPNG)
			return
		}
		http.NotFound(w, r)
	}))
	defer slackFiles.Close()
	export, err := slacktest.WriteFiles(t.TempDir(), slackFiles.URL)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := csvtest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	cmd := exec.Command(testserver.Binary(t), "import", "csv", archive)
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+data)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "check: consistent") {
		t.Fatalf("import csv: %v\n%s", err, out)
	}
	// The Slack export merges into the same workspace.
	cmd = exec.Command(testserver.Binary(t), "import", "slack", export, "--merge")
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+data)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "without a password") || !strings.Contains(string(out), "check: consistent") ||
		!strings.Contains(string(out), "1 files were downloaded from Slack") || !strings.Contains(string(out), "1 files could not be downloaded (HTTP 404") {
		t.Fatalf("import slack: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "import-slack-tmp")); !os.IsNotExist(err) {
		t.Errorf("the converted dump was left behind: %v", err)
	}
	srv := testserver.StartBinary(t, testserver.Options{DataDir: data})
	admin := srv.Admin(t)
	if n := len(admin.Get("/api/v1/channels.history", "roomId", "GENERAL").OK(t).List("messages")); n < 5 {
		t.Errorf("#general history: %d messages", n)
	}
	admin.Get("/api/v1/users.info", "username", "bob").OK(t)
	// The downloaded file is an upload of the message; the gone one a link.
	var logo map[string]any
	for _, m := range admin.Get("/api/v1/channels.history", "roomId", "GENERAL").OK(t).List("messages") {
		if mm, _ := m.(map[string]any); mm["msg"] == "the logo" {
			logo = mm
		}
	}
	file, _ := logo["file"].(map[string]any)
	atts, _ := logo["attachments"].([]any)
	if file == nil || file["name"] != "logo.png" || len(atts) != 2 {
		t.Fatalf("the logo message: %v", logo)
	}
	if gone, _ := atts[1].(map[string]any); !strings.HasPrefix(fmt.Sprint(gone["title_link"]), slackFiles.URL) {
		t.Errorf("the missing file's attachment: %v", gone)
	}
	if r := admin.Get(fmt.Sprintf("/file-upload/%s/logo.png", file["_id"])); r.Status != http.StatusOK || !bytes.Equal(r.Body, slacktest.LogoPNG) {
		t.Errorf("the downloaded file: %d %q", r.Status, r.Body)
	}
	if n := len(admin.Get("/api/v1/channels.history", "roomName", "dev").OK(t).List("messages")); n != 3 {
		t.Errorf("#dev (from the CSV archive) history: %d messages", n)
	}
}

// TestImportRocketChatIntoPostgres runs the import with
// LIFTOFF_DATABASE_URL set, then a server on that database: the same
// workspace, on the scale-out backend.
func TestImportRocketChatIntoPostgres(t *testing.T) {
	dump, err := dumptest.Write(t.TempDir(), dumptest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dbURL := "LIFTOFF_DATABASE_URL=" + pgtest.URL(t)
	data := t.TempDir()
	cmd := exec.Command(testserver.Binary(t), "import", "rocketchat", dump)
	cmd.Env = append(os.Environ(), "LIFTOFF_DATA_DIR="+data, dbURL)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "check: consistent") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	srv := testserver.StartBinary(t, testserver.Options{DataDir: data, Env: []string{dbURL}})
	if !strings.Contains(srv.Logs(), "store=postgres") {
		t.Fatalf("not on PostgreSQL:\n%s", srv.Logs())
	}
	alice := srv.Login(t, "alice", dumptest.AlicePassword)
	phone := srv.Anon(t)
	phone.UserID, phone.Token = dumptest.AliceID, dumptest.AliceToken
	phone.Get("/api/v1/me").OK(t)
	if n := alice.Get("/api/v1/channels.info", "roomId", dumptest.DevID).OK(t).Num("channel.msgs"); n != 9 {
		t.Errorf("#dev msgs: %v", n)
	}
}
