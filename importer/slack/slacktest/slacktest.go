// Package slacktest writes a small Slack workspace export for tests.
package slacktest

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
)

// Write writes, in dir, a small Slack export: three users (one deleted), a
// public channel with a thread, reactions, a mention, a link, a join, a
// file and an edit; a private channel; a DM.
func Write(dir string) (path string, err error) { return WriteFiles(dir, "") }

// M is a JSON object.
type M = map[string]any

// LogoPNG is the content of the export's logo.png when served by WriteFiles's server.
var LogoPNG = []byte("\x89PNG\r\n\x1a\n a Slack logo")

// WriteFiles is Write with the message's files at fileBase (a test
// server's address): logo.png at fileBase/files-pri/T01-F01/logo.png?t=xoxe-1
// (to serve LogoPNG) and gone.txt at fileBase/files-pri/T01-F02/gone.txt?t=xoxe-1
// (to answer 404). An empty fileBase gives Write's export (one file, on
// files.slack.com).
func WriteFiles(dir, fileBase string) (path string, err error) {
	files := []M{{"id": "F01", "name": "logo.png", "title": "Logo", "mimetype": "image/png", "url_private": "https://files.slack.com/logo.png"}}
	if fileBase != "" {
		files = []M{
			{"id": "F01", "name": "logo.png", "title": "Logo", "mimetype": "image/png", "url_private": fileBase + "/files-pri/T01-F01/logo.png",
				"url_private_download": fileBase + "/files-pri/T01-F01/logo.png?t=xoxe-1"},
			{"id": "F02", "name": "gone.txt", "title": "Gone", "mimetype": "text/plain", "url_private": fileBase + "/files-pri/T01-F02/gone.txt?t=xoxe-1"},
		}
	}
	p := filepath.Join(dir, "Acme Slack export Jan 1 2024 - Jan 2 2024.zip")
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	put := func(name string, v any) {
		w, cerr := zw.Create(name)
		if cerr == nil {
			cerr = json.NewEncoder(w).Encode(v)
		}
		if err == nil {
			err = cerr
		}
	}
	put("users.json", []M{
		{"id": "U01ALICE", "name": "alice", "real_name": "Alice Liddell", "is_admin": true, "tz_offset": 3600,
			"profile": M{"email": "alice@acme.example", "real_name": "Alice Liddell", "title": "CTO"}},
		{"id": "U02BOB", "name": "bob", "profile": M{"email": "bob@acme.example", "real_name": "Bob Builder"}},
		{"id": "U03GONE", "name": "gone.user", "deleted": true, "profile": M{"real_name": "Gone"}},
	})
	put("channels.json", []M{
		{"id": "C01GEN", "name": "general", "created": 1700000000, "creator": "U01ALICE", "is_general": true,
			"members": []string{"U01ALICE", "U02BOB", "U03GONE"}, "topic": M{"value": "Company-wide"}, "purpose": M{"value": "All hands"}},
		{"id": "C02DEV", "name": "dev", "created": 1700000100, "creator": "U02BOB", "members": []string{"U01ALICE", "U02BOB"}},
	})
	put("groups.json", []M{{"id": "G01SEC", "name": "secret", "created": 1700000200, "creator": "U01ALICE", "members": []string{"U01ALICE"}}})
	put("dms.json", []M{{"id": "D01AB", "created": 1700000300, "members": []string{"U01ALICE", "U02BOB"}}})
	put("general/2024-01-01.json", []M{
		{"type": "message", "subtype": "channel_join", "ts": "1704067200.000100", "user": "U02BOB", "text": "<@U02BOB> has joined the channel"},
		{"type": "message", "ts": "1704067300.000200", "user": "U01ALICE", "text": "hi <@U02BOB>, see <https://example.org|the plan> &amp; <#C02DEV|dev>",
			"reactions": []M{{"name": "thumbsup", "users": []string{"U02BOB"}, "count": 1}},
			"thread_ts": "1704067300.000200", "reply_count": 2},
		{"type": "message", "ts": "1704067400.000300", "user": "U02BOB", "text": "on it", "thread_ts": "1704067300.000200"},
	})
	put("general/2024-01-02.json", []M{
		{"type": "message", "ts": "1704153600.000100", "user": "U01ALICE", "text": "done too", "thread_ts": "1704067300.000200",
			"edited": M{"user": "U01ALICE", "ts": "1704153700.000000"}},
		{"type": "message", "ts": "1704153800.000200", "user": "U02BOB", "text": "the logo",
			"files": files},
		{"type": "message", "subtype": "bot_message", "ts": "1704153900.000300", "bot_id": "B01", "username": "deploybot", "text": "deployed <!channel>"},
	})
	put("secret/2024-01-01.json", []M{{"type": "message", "ts": "1704067500.000100", "user": "U01ALICE", "text": "private note"}})
	put("D01AB/2024-01-01.json", []M{{"type": "message", "ts": "1704067600.000100", "user": "U02BOB", "text": "psst"}})
	if err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return p, f.Close()
}
