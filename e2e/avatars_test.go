package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// setAvatarForm posts users.setAvatar as c with the picture in "image".
func setAvatarForm(t *testing.T, c *testserver.Client, fields map[string]string, name string, content []byte) *testserver.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("image", name)
	fw.Write(content)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+"/api/v1/users.setAvatar", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

func TestAvatarUploads(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	aliceRT.sub("stream-notify-logged", "updateAvatar", false)

	// The generated avatar first.
	if d := fetch(t, bob, "/avatar/alice"); d.Status != 200 || d.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("generated avatar: %d %v", d.Status, d.Header)
	}

	setAvatarForm(t, alice, nil, "me.png", pngOf(t, 300, 200)).OK(t)
	ev := aliceRT.event("stream-notify-logged", "updateAvatar", func(args []any) bool {
		m, _ := args[0].(map[string]any)
		return m["username"] == "alice"
	})
	etag := ev[0].(map[string]any)["etag"].(string)
	if got := bob.Get("/api/v1/users.info", "username", "alice").OK(t).Str("user.avatarETag"); got != etag || etag == "" {
		t.Fatalf("avatarETag %q, event %q", got, etag)
	}
	d := fetch(t, bob, "/avatar/alice")
	if d.Status != 200 || d.Header.Get("Content-Type") != "image/png" || !strings.Contains(d.Header.Get("ETag"), etag) ||
		!strings.HasPrefix(d.Header.Get("Cache-Control"), "public, max-age=") {
		t.Fatalf("uploaded avatar: %d %v", d.Status, d.Header)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(d.Body))
	if err != nil || cfg.Width != 200 || cfg.Height != 200 {
		t.Fatalf("avatar %dx%d (%v), want Accounts_AvatarSize 200", cfg.Width, cfg.Height, err)
	}
	wantStatus(t, fetch(t, bob, "/avatar/alice", "If-None-Match", d.Header.Get("ETag")), 304)
	if d := fetch(t, bob, "/avatar/alice.png?size=40"); d.Status != 200 || !bytes.Equal(d.Body, fetch(t, bob, "/avatar/alice").Body) {
		t.Fatalf("avatar with extension: %d", d.Status)
	}
	wantStatus(t, fetch(t, srv.Anon(t), "/avatar/alice"), 200) // Rocket.Chat's default: avatars are public
	admin.Post("/api/v1/settings/Accounts_AvatarBlockUnauthenticatedAccess", map[string]any{"value": true}).OK(t)
	wantStatus(t, fetch(t, srv.Anon(t), "/avatar/alice"), 403)
	admin.Post("/api/v1/settings/Accounts_AvatarBlockUnauthenticatedAccess", map[string]any{"value": false}).OK(t)

	// Someone else's avatar needs edit-other-user-avatar.
	setAvatarForm(t, bob, map[string]string{"username": "alice"}, "x.png", pngOf(t, 10, 10)).Fail(t, 403, "")
	setAvatarForm(t, admin, map[string]string{"username": "bob"}, "bob.png", pngOf(t, 50, 80)).OK(t)
	if d := fetch(t, alice, "/avatar/bob"); d.Status != 200 || d.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("bob's avatar: %d %v", d.Status, d.Header)
	}
	setAvatarForm(t, admin, map[string]string{"username": "nobody"}, "x.png", pngOf(t, 10, 10)).Fail(t, 400, "error-invalid-user")

	// Not a picture; a URL on loopback (never fetched).
	setAvatarForm(t, alice, nil, "notes.txt", []byte("not a picture")).Fail(t, 400, "error-avatar-invalid-content-type")
	body, _ := json.Marshal(map[string]any{"avatarUrl": srv.URL + "/avatar/bob"})
	alice.Post("/api/v1/users.setAvatar", body).Fail(t, 400, "error-avatar-invalid-url")
	alice.Post("/api/v1/users.setAvatar", map[string]any{"avatarUrl": "http://169.254.169.254/latest/meta-data"}).Fail(t, 400, "error-avatar-invalid-url")
	if got := bob.Get("/api/v1/users.info", "username", "alice").OK(t).Str("user.avatarETag"); got != etag {
		t.Fatalf("a refused change changed the avatar: %q", got)
	}

	// Replacing removes the old picture; resetting brings the initials back.
	setAvatarForm(t, alice, nil, "me2.png", pngOf(t, 64, 64)).OK(t)
	if got := bob.Get("/api/v1/users.info", "username", "alice").OK(t).Str("user.avatarETag"); got == etag {
		t.Fatal("avatarETag unchanged")
	}
	alice.Post("/api/v1/users.resetAvatar", map[string]any{}).OK(t)
	if d := fetch(t, bob, "/avatar/alice"); d.Status != 200 || d.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("after reset: %d %v", d.Status, d.Header)
	}

	// Avatar changes can be switched off.
	admin.Post("/api/v1/settings/Accounts_AllowUserAvatarChange", map[string]any{"value": false}).OK(t)
	setAvatarForm(t, alice, nil, "me.png", pngOf(t, 10, 10)).Fail(t, 400, "error-not-allowed")

	// The picture reset left behind goes at the next clean-up (at start):
	// bob's stays.
	dir := filepath.Join(srv.DataDir, "uploads", "avatars")
	if n := countBlobs(t, dir); n != 2 {
		t.Fatalf("%d avatar blobs before the clean-up, want alice's reset one and bob's", n)
	}
	srv.Stop()
	srv = testserver.Start(t, testserver.Options{DataDir: srv.DataDir})
	srv.WaitLogs(t, "removed unused avatars", func(logs string) bool { return strings.Contains(logs, `msg="removed unused avatars" count=1`) })
	if n := countBlobs(t, dir); n != 1 {
		t.Fatalf("%d avatar blobs after the clean-up, want bob's", n)
	}
	if d := fetch(t, srv.Login(t, "alice", "alice-pass"), "/avatar/bob"); d.Status != 200 || d.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("bob's avatar after the clean-up: %d %v", d.Status, d.Header)
	}
}

// TestRoomAvatar: saveRoomSettings' roomAvatar (a data URL) sets the
// picture served at /avatar/room/<rid>, for holders of edit-room-avatar in
// the room; null removes it (the generated avatar again).
func TestRoomAvatar(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	rid := alice.Post("/api/v1/channels.create", map[string]any{"name": "pictures", "members": []string{"bob"}}).OK(t).Str("channel._id")
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngOf(t, 300, 300))

	if res := callAs(t, bob, "saveRoomSettings", rid, "roomAvatar", dataURL); res["error"] == nil ||
		res["error"].(map[string]any)["error"] != "error-action-not-allowed" {
		t.Fatalf("a member without edit-room-avatar: %v", res)
	}
	if res := callAs(t, alice, "saveRoomSettings", rid, "roomAvatar", "data:image/png;base64,@@@"); res["error"] == nil {
		t.Fatalf("a broken data URL: %v", res)
	}
	if d := fetch(t, bob, "/avatar/room/"+rid); d.Status != 200 || d.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("generated room avatar: %d %v", d.Status, d.Header)
	}
	res := callAs(t, alice, "saveRoomSettings", rid, map[string]any{"roomAvatar": dataURL, "roomTopic": "photos"})
	if r, _ := res["result"].(map[string]any); r["result"] != true || r["rid"] != rid {
		t.Fatalf("saveRoomSettings: %v", res)
	}
	info := bob.Get("/api/v1/channels.info", "roomId", rid).OK(t)
	etag := info.Str("channel.avatarETag")
	if etag == "" || info.Str("channel.topic") != "photos" {
		t.Fatalf("channels.info: %s", info.Body)
	}
	d := fetch(t, bob, "/avatar/room/"+rid)
	if d.Status != 200 || d.Header.Get("Content-Type") != "image/png" || !strings.Contains(d.Header.Get("ETag"), etag) {
		t.Fatalf("uploaded room avatar: %d %v", d.Status, d.Header)
	}
	wantStatus(t, fetch(t, bob, "/avatar/room/"+rid, "If-None-Match", d.Header.Get("ETag")), 304)

	if res := callAs(t, alice, "saveRoomSettings", rid, "roomAvatar", nil); res["error"] != nil {
		t.Fatalf("remove: %v", res)
	}
	if got := bob.Get("/api/v1/channels.info", "roomId", rid).OK(t).Str("channel.avatarETag"); got != "" {
		t.Fatalf("avatarETag after the removal: %q", got)
	}
	if d := fetch(t, bob, "/avatar/room/"+rid); d.Status != 200 || d.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("after the removal: %d %v", d.Status, d.Header)
	}
}
