package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"mime/multipart"
	"net/http"
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
}
