package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// These tests cover file uploads into rooms and their downloads:
// rooms.upload, rooms.media + rooms.mediaConfirm, /file-upload/<id>/<name>,
// and the removal of a file with its message. filesScenario runs the same
// checks on every storage backend (files_backends_test.go).

// uploadForm posts a multipart form with a file part (and text fields) to
// path as c.
func uploadForm(t *testing.T, c *testserver.Client, path string, fields map[string]string, name string, content []byte) *testserver.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if name != "" || content != nil {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	for k, v := range fields {
		w.WriteField(k, v) // after the file, as some clients send them
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// fetch GETs a download path as c with extra headers (key, value pairs).
func fetch(t *testing.T, c *testserver.Client, path string, kv ...string) *testserver.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.Srv.URL+path, nil)
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	return c.Do(req)
}

// wantStatus fails unless r has the status (downloads answer plain
// statuses, without envelopes).
func wantStatus(t *testing.T, r *testserver.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}

// pngOf is a w × h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFileUploads(t *testing.T) {
	srv := testserver.Start(t)
	filesScenario(t, srv, func() int { return countBlobs(t, filepath.Join(srv.DataDir, "uploads", "uploads")) })
}

// countBlobs counts the files under dir (0 when it does not exist).
func countBlobs(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// filesScenario is the upload and download behaviour every backend must
// show; blobs counts the stored upload blobs (-1: not countable).
func filesScenario(t *testing.T, srv *testserver.Server, blobs func() int) {
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	rid := alice.Post("/api/v1/groups.create", map[string]any{"name": "files", "members": []string{"bob"}}).OK(t).Str("group._id")
	aliceRT.sub("stream-room-messages", rid, false)
	anon := srv.Anon(t)

	t.Run("rooms.upload", func(t *testing.T) {
		content := []byte("the plan: ship it\n")
		r := uploadForm(t, alice, "/api/v1/rooms.upload/"+rid,
			map[string]string{"msg": "see attached", "description": "the plan"}, "notes.txt", content).OK(t)
		m := r.JSON["message"].(map[string]any)
		file := m["file"].(map[string]any)
		id := file["_id"].(string)
		url := "/file-upload/" + id + "/notes.txt"
		if m["msg"] != "see attached" || file["name"] != "notes.txt" || file["type"] != "text/plain" || file["size"] != float64(len(content)) {
			t.Fatalf("message: %s", r.Body)
		}
		if files := m["files"].([]any); len(files) != 1 || files[0].(map[string]any)["_id"] != id {
			t.Fatalf("files: %s", r.Body)
		}
		att := m["attachments"].([]any)[0].(map[string]any)
		if att["title"] != "notes.txt" || att["title_link"] != url || att["title_link_download"] != true ||
			att["type"] != "file" || att["description"] != "the plan" || att["format"] != "txt" || att["size"] != float64(len(content)) {
			t.Fatalf("attachment: %v", att)
		}
		if m["groupable"] != false {
			t.Fatalf("file messages are not groupable: %s", r.Body)
		}
		// Delivered in realtime like any message.
		rt := aliceRT.roomMessage(rid, msgWithID(m["_id"].(string)))
		if f, _ := rt["file"].(map[string]any); f == nil || f["_id"] != id {
			t.Fatalf("realtime message without its file: %v", rt)
		}
		// The member downloads it, with headers...
		d := fetch(t, bob, url)
		if d.Status != 200 || !bytes.Equal(d.Body, content) {
			t.Fatalf("download: %d %q", d.Status, d.Body)
		}
		if ct := d.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Fatalf("Content-Type %q", ct)
		}
		if cd := d.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "notes.txt") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if d.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("no nosniff: %v", d.Header)
		}
		// ... with Rocket.Chat's cookies, and with a range.
		if d := fetch(t, anon, url, "Cookie", "rc_uid="+bob.UserID+"; rc_token="+bob.Token); d.Status != 200 || !bytes.Equal(d.Body, content) {
			t.Fatalf("cookie download: %d %q", d.Status, d.Body)
		}
		if d := fetch(t, bob, url, "Range", "bytes=4-7"); d.Status != 206 || string(d.Body) != "plan" ||
			d.Header.Get("Content-Range") != fmt.Sprintf("bytes 4-7/%d", len(content)) {
			t.Fatalf("range: %d %q %v", d.Status, d.Body, d.Header)
		}
		// Refused for the logged out, an outsider, bad credentials.
		wantStatus(t, fetch(t, anon, url), 403)
		wantStatus(t, fetch(t, carol, url), 403)
		wantStatus(t, fetch(t, anon, url, "Cookie", "rc_uid="+bob.UserID+"; rc_token=wrong"), 403)
		wantStatus(t, fetch(t, bob, "/file-upload/NoSuchFile1234567/x.txt"), 404)

		// Deleting the message deletes the file.
		before := blobs()
		alice.Post("/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": m["_id"]}).OK(t)
		srv.WaitLogs(t, "uploads removed", func(logs string) bool { return strings.Contains(logs, id) })
		wantStatus(t, fetch(t, bob, url), 404)
		if before >= 0 && blobs() != before-1 {
			t.Fatalf("blobs: %d before the deletion, %d after", before, blobs())
		}
	})

	t.Run("rooms.media and mediaConfirm, with a thumbnail", func(t *testing.T) {
		pic := pngOf(t, 1000, 800)
		r := uploadForm(t, alice, "/api/v1/rooms.media/"+rid, nil, "photo.png", pic).OK(t)
		id, url := r.Str("file._id"), r.Str("file.url")
		if url != "/file-upload/"+id+"/photo.png" {
			t.Fatalf("media: %s", r.Body)
		}
		// Only the uploader confirms, in the room it was uploaded to.
		bob.Post("/api/v1/rooms.mediaConfirm/"+rid+"/"+id, map[string]any{"msg": "mine"}).Fail(t, 400, "invalid-file")
		carol.Post("/api/v1/rooms.mediaConfirm/"+rid+"/"+id, map[string]any{}).Fail(t, 403, "")
		c := alice.Post("/api/v1/rooms.mediaConfirm/"+rid+"/"+id, map[string]any{"msg": "look", "description": "sunset"}).OK(t)
		m := c.JSON["message"].(map[string]any)
		files := m["files"].([]any)
		if len(files) != 2 || files[0].(map[string]any)["_id"] != id || files[1].(map[string]any)["typeGroup"] != "thumb" {
			t.Fatalf("files: %s", c.Body)
		}
		att := m["attachments"].([]any)[0].(map[string]any)
		dims, _ := att["image_dimensions"].(map[string]any)
		thumbURL, _ := att["image_url"].(string)
		if att["title_link"] != url || thumbURL == url || !strings.HasPrefix(thumbURL, "/file-upload/") ||
			dims["width"] != float64(450) || dims["height"] != float64(360) || att["image_preview"] == "" || att["image_size"] != float64(len(pic)) {
			t.Fatalf("image attachment: %v", att)
		}
		alice.Post("/api/v1/rooms.mediaConfirm/"+rid+"/"+id, map[string]any{}).Fail(t, 400, "invalid-file")

		d := fetch(t, bob, url)
		if d.Status != 200 || !bytes.Equal(d.Body, pic) || d.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(d.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("picture: %d %v", d.Status, d.Header)
		}
		th := fetch(t, bob, thumbURL)
		if th.Status != 200 {
			t.Fatalf("thumbnail: %d", th.Status)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(th.Body))
		if err != nil || cfg.Width != 450 || cfg.Height != 360 || "image/"+format != th.Header.Get("Content-Type") {
			t.Fatalf("thumbnail %s %dx%d (%v), Content-Type %q", format, cfg.Width, cfg.Height, err, th.Header.Get("Content-Type"))
		}
		wantStatus(t, fetch(t, carol, thumbURL), 403)
	})

	t.Run("HTML is downloaded, never rendered", func(t *testing.T) {
		page := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
		r := uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, nil, "page.html", page).OK(t)
		link := r.Str("message.attachments.0.title_link")
		d := fetch(t, bob, link, "Accept", "text/html")
		if d.Status != 200 || !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") ||
			d.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(d.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("html: %d %v", d.Status, d.Header)
		}
		// Even when the client asks for inline.
		if d := fetch(t, bob, link+"?contentDisposition=inline"); !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("inline html: %v", d.Header)
		}
	})

	t.Run("names are sanitised", func(t *testing.T) {
		r := uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, nil, "../../etc/passwd", []byte("root:x:0:0\n")).OK(t)
		if n := r.Str("message.file.name"); n != "passwd" {
			t.Fatalf("name %q", n)
		}
		r = uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, nil, "résumé 日本 #1.txt", []byte("bonjour\n")).OK(t)
		link := r.Str("message.attachments.0.title_link")
		if r.Str("message.file.name") != "résumé 日本 #1.txt" || strings.ContainsAny(link, " é") {
			t.Fatalf("unicode name: %s", r.Body)
		}
		d := fetch(t, bob, link)
		if d.Status != 200 || string(d.Body) != "bonjour\n" || !strings.Contains(d.Header.Get("Content-Disposition"), "filename*=UTF-8''r%C3%A9sum%C3%A9") {
			t.Fatalf("unicode download: %d %v", d.Status, d.Header)
		}
	})

	t.Run("pruning and deleting the room remove the files", func(t *testing.T) {
		tmp := alice.Post("/api/v1/groups.create", map[string]any{"name": "files-tmp", "members": []string{"bob"}}).OK(t).Str("group._id")
		one := uploadForm(t, alice, "/api/v1/rooms.upload/"+tmp, nil, "one.txt", []byte("1")).OK(t)
		two := uploadForm(t, alice, "/api/v1/rooms.upload/"+tmp, nil, "two.txt", []byte("2")).OK(t)
		alice.Post("/api/v1/groups.invite", map[string]any{"roomId": tmp, "userId": admin.UserID}).OK(t)
		admin.Post("/api/v1/rooms.cleanHistory", map[string]any{"roomId": tmp, "latest": "2100-01-01T00:00:00Z",
			"oldest": "2000-01-01T00:00:00Z", "users": []string{"alice"}}).OK(t)
		for _, r := range []*testserver.Response{one, two} {
			id := r.Str("message.file._id")
			srv.WaitLogs(t, "uploads removed", func(logs string) bool { return strings.Contains(logs, id) })
			wantStatus(t, fetch(t, bob, r.Str("message.attachments.0.title_link")), 404)
		}
		three := uploadForm(t, alice, "/api/v1/rooms.upload/"+tmp, nil, "three.txt", []byte("3")).OK(t)
		admin.Post("/api/v1/rooms.delete", map[string]any{"roomId": tmp}).OK(t)
		id := three.Str("message.file._id")
		srv.WaitLogs(t, "uploads removed", func(logs string) bool { return strings.Contains(logs, id) })
		wantStatus(t, fetch(t, bob, three.Str("message.attachments.0.title_link")), 404)
	})

	t.Run("refusals store nothing", func(t *testing.T) {
		before := blobs()
		msgs := alice.Get("/api/v1/groups.history", "roomId", rid).OK(t).List("messages")
		admin.Post("/api/v1/settings/FileUpload_MaxFileSize", map[string]any{"value": 1000}).OK(t)
		uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, nil, "big.bin", bytes.Repeat([]byte{7}, 5000)).Fail(t, 400, "error-file-too-large")
		uploadForm(t, alice, "/api/v1/rooms.media/"+rid, nil, "big.txt", bytes.Repeat([]byte("a"), 1001)).Fail(t, 400, "error-file-too-large")
		admin.Post("/api/v1/settings/FileUpload_MaxFileSize", map[string]any{"value": 104857600}).OK(t)
		svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, nil, "logo.png", svg).Fail(t, 400, "error-invalid-file-type")
		uploadForm(t, carol, "/api/v1/rooms.upload/"+rid, nil, "x.txt", []byte("x")).Fail(t, 403, "")
		uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, map[string]string{"msg": "no file"}, "", nil).Fail(t, 400, "invalid-field")
		uploadForm(t, anon, "/api/v1/rooms.upload/"+rid, nil, "x.txt", []byte("x")).Fail(t, 401, "")
		// A message refused after the file arrived: archived rooms take no posts.
		admin.Post("/api/v1/settings/Message_MaxAllowedSize", map[string]any{"value": 10}).OK(t)
		uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, map[string]string{"msg": strings.Repeat("long ", 10)}, "x.txt", []byte("x")).Fail(t, 400, "error-message-size-exceeded")
		admin.Post("/api/v1/settings/Message_MaxAllowedSize", map[string]any{"value": 5000}).OK(t)
		if after := blobs(); after != before {
			t.Fatalf("refused uploads left blobs: %d before, %d after", before, after)
		}
		if now := alice.Get("/api/v1/groups.history", "roomId", rid).OK(t).List("messages"); len(now) != len(msgs) {
			t.Fatalf("refused uploads left messages: %d before, %d after", len(msgs), len(now))
		}
	})
}

func TestFileLists(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	ch := alice.Post("/api/v1/channels.create", map[string]any{"name": "shared", "members": []string{"bob"}}).OK(t).Str("channel._id")
	grp := alice.Post("/api/v1/groups.create", map[string]any{"name": "secret", "members": []string{"bob"}}).OK(t).Str("group._id")

	uploadForm(t, alice, "/api/v1/rooms.upload/"+ch, nil, "b-report.pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")).OK(t)
	srv.Advance(t, 5e6)
	first := uploadForm(t, bob, "/api/v1/rooms.upload/"+ch, nil, "a-photo.png", pngOf(t, 600, 600)).OK(t).Str("message.file._id")
	srv.Advance(t, 5e6)
	second := uploadForm(t, alice, "/api/v1/rooms.upload/"+ch, nil, "c-chart.png", pngOf(t, 100, 100)).OK(t).Str("message.file._id")
	// A temporary upload (never confirmed) is not listed.
	uploadForm(t, alice, "/api/v1/rooms.media/"+ch, nil, "pending.txt", []byte("pending")).OK(t)
	uploadForm(t, alice, "/api/v1/rooms.upload/"+grp, nil, "g.txt", []byte("group file")).OK(t)

	r := bob.Get("/api/v1/channels.files", "roomId", ch).OK(t)
	files := r.List("files")
	if r.Num("total") != 3 || len(files) != 3 {
		t.Fatalf("channels.files: %s", r.Body)
	}
	names := []string{}
	for _, f := range files {
		m := f.(map[string]any)
		names = append(names, m["name"].(string))
		if m["typeGroup"] == "thumb" || m["user"] == nil || m["complete"] != true {
			t.Fatalf("file: %v", m)
		}
	}
	if strings.Join(names, ",") != "a-photo.png,b-report.pdf,c-chart.png" {
		t.Fatalf("order by name: %v", names)
	}
	if u := files[0].(map[string]any)["user"].(map[string]any); u["username"] != "bob" {
		t.Fatalf("uploader: %v", u)
	}
	if r := bob.Get("/api/v1/channels.files", "roomName", "shared", "typeGroup", "image", "sort", `{"name":-1}`); r.OK(t).Num("total") != 2 || r.Str("files.0.name") != "c-chart.png" {
		t.Fatalf("images by name desc: %s", r.Body)
	}
	if r := bob.Get("/api/v1/channels.files", "roomId", ch, "name", "REPORT"); r.OK(t).Num("total") != 1 {
		t.Fatalf("name filter: %s", r.Body)
	}
	bob.Get("/api/v1/groups.files", "roomId", grp).OK(t)
	carol.Get("/api/v1/groups.files", "roomId", grp).Fail(t, 400, "error-room-not-found")
	alice.Get("/api/v1/channels.files", "roomId", grp).Fail(t, 400, "error-room-not-found")

	im := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	uploadForm(t, bob, "/api/v1/rooms.upload/"+im, nil, "dm.txt", []byte("just us")).OK(t)
	if r := alice.Get("/api/v1/im.files", "roomId", im).OK(t); r.Num("total") != 1 || r.Str("files.0.name") != "dm.txt" {
		t.Fatalf("im.files: %s", r.Body)
	}
	if r := alice.Get("/api/v1/im.files", "username", "bob").OK(t); r.Num("total") != 1 {
		t.Fatalf("im.files by username: %s", r.Body)
	}

	// rooms.images: newest first, from a given picture on.
	r = bob.Get("/api/v1/rooms.images", "roomId", ch).OK(t)
	if r.Num("total") != 2 || r.Str("files.0._id") != second || r.Str("files.1._id") != first {
		t.Fatalf("rooms.images: %s", r.Body)
	}
	if r := bob.Get("/api/v1/rooms.images", "roomId", ch, "startingFromId", first).OK(t); r.Num("total") != 1 || r.Str("files.0._id") != first {
		t.Fatalf("rooms.images from: %s", r.Body)
	}
	carol.Get("/api/v1/rooms.images", "roomId", grp).Fail(t, 403, "")
}

func TestFileUploadSettings(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	ch := alice.Post("/api/v1/channels.create", map[string]any{"name": "open", "members": []string{"bob"}}).OK(t).Str("channel._id")
	im := alice.Post("/api/v1/im.create", map[string]any{"username": "bob"}).OK(t).Str("room._id")
	set := func(id string, v any) { admin.Post("/api/v1/settings/"+id, map[string]any{"value": v}).OK(t) }

	set("FileUpload_Enabled", false)
	uploadForm(t, alice, "/api/v1/rooms.upload/"+ch, nil, "a.txt", []byte("a")).Fail(t, 400, "error-file-upload-disabled")
	uploadForm(t, alice, "/api/v1/rooms.media/"+ch, nil, "a.txt", []byte("a")).Fail(t, 400, "error-file-upload-disabled")
	set("FileUpload_Enabled", true)

	set("FileUpload_Enabled_Direct", false)
	uploadForm(t, alice, "/api/v1/rooms.upload/"+im, nil, "a.txt", []byte("a")).Fail(t, 400, "error-direct-message-file-upload-not-allowed")
	set("FileUpload_Enabled_Direct", true)
	uploadForm(t, alice, "/api/v1/rooms.upload/"+im, nil, "a.txt", []byte("a")).OK(t)

	// A public channel's file: members only by default; anyone who can
	// read the room with _Restrict_to_users_who_can_access_room; anyone
	// at all when FileUpload_ProtectFiles is off.
	link := uploadForm(t, alice, "/api/v1/rooms.upload/"+ch, nil, "pub.txt", []byte("public")).OK(t).Str("message.attachments.0.title_link")
	wantStatus(t, fetch(t, bob, link), 200)
	wantStatus(t, fetch(t, carol, link), 403)
	set("FileUpload_Restrict_to_users_who_can_access_room", true)
	wantStatus(t, fetch(t, carol, link), 200)
	wantStatus(t, fetch(t, srv.Anon(t), link), 403)
	set("FileUpload_Restrict_to_room_members", false)
	set("FileUpload_Restrict_to_users_who_can_access_room", false)
	wantStatus(t, fetch(t, carol, link), 200)
	set("FileUpload_ProtectFiles", false)
	wantStatus(t, fetch(t, srv.Anon(t), link), 200)

	// White list: only pictures.
	set("FileUpload_MediaTypeWhiteList", "image/*")
	uploadForm(t, alice, "/api/v1/rooms.upload/"+ch, nil, "b.txt", []byte("text")).Fail(t, 400, "error-invalid-file-type")
	uploadForm(t, alice, "/api/v1/rooms.upload/"+ch, nil, "p.png", pngOf(t, 8, 8)).OK(t)
}

// A crash between the blob's write and the record's commit leaves a
// pending marker beside the blob: the start-up sweep removes the blob when
// no record has its key, and only the marker when one does.
func TestFileUploadCrashSweep(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	rid := alice.Post("/api/v1/groups.create", map[string]any{"name": "crash"}).OK(t).Str("group._id")
	r := uploadForm(t, alice, "/api/v1/rooms.upload/"+rid, nil, "kept.txt", []byte("committed")).OK(t)
	kept, link := r.Str("message.file._id"), r.Str("message.attachments.0.title_link")
	srv.Stop()

	root := filepath.Join(srv.DataDir, "uploads")
	old := time.Now().Add(-48 * time.Hour)
	write := func(rel, content string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	write("uploads/CrashedUpload12345", "half an upload")
	write(".liftoff/pending/uploads/CrashedUpload12345", old.Format(time.RFC3339Nano))
	write(".liftoff/pending/uploads/"+kept, old.Format(time.RFC3339Nano)) // committed, marker left

	srv = testserver.Start(t, testserver.Options{DataDir: srv.DataDir})
	srv.WaitLogs(t, "swept crashed uploads", func(logs string) bool { return strings.Contains(logs, `msg="swept crashed uploads" removed=1`) })
	if _, err := os.Stat(filepath.Join(root, "uploads", "CrashedUpload12345")); !os.IsNotExist(err) {
		t.Fatalf("crashed blob still there: %v", err)
	}
	if n := countBlobs(t, filepath.Join(root, ".liftoff", "pending")); n != 0 {
		t.Fatalf("%d pending markers left", n)
	}
	d := fetch(t, srv.Login(t, "alice", "alice-pass"), link)
	if d.Status != 200 || string(d.Body) != "committed" {
		t.Fatalf("committed file after the sweep: %d %q", d.Status, d.Body)
	}
}

// TestSendFileMessageMethod: the DDP method sendFileMessage sends the
// message of a temporary upload (rooms.media), as rooms.mediaConfirm does;
// only the uploader, once, in the room of the upload.
func TestSendFileMessageMethod(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	rid := alice.Post("/api/v1/groups.create", map[string]any{"name": "ddp-files", "members": []string{"bob"}}).OK(t).Str("group._id")
	id := uploadForm(t, alice, "/api/v1/rooms.media/"+rid, nil, "notes.txt", []byte("hello\n")).OK(t).Str("file._id")

	if res := callAs(t, bob, "sendFileMessage", rid, "FileSystem", map[string]any{"_id": id}, map[string]any{"msg": "mine"}); res["error"] == nil {
		t.Fatalf("bob sent alice's upload: %v", res)
	}
	if res := callAs(t, alice, "sendFileMessage", rid, "FileSystem", map[string]any{}); res["error"] == nil {
		t.Fatalf("a file without _id: %v", res)
	}
	res := callAs(t, alice, "sendFileMessage", rid, "FileSystem", map[string]any{"_id": id, "name": "notes.txt"},
		map[string]any{"msg": "the notes", "description": "for monday"})
	m, _ := res["result"].(map[string]any)
	file, _ := m["file"].(map[string]any)
	if m["rid"] != rid || m["msg"] != "the notes" || file["_id"] != id {
		t.Fatalf("sendFileMessage: %v", res)
	}
	if res := callAs(t, alice, "sendFileMessage", rid, "FileSystem", map[string]any{"_id": id}); res["error"] == nil {
		t.Fatalf("the same upload sent twice: %v", res)
	}
	last := alice.Get("/api/v1/groups.messages", "roomId", rid, "count", "1").OK(t).List("messages")[0].(map[string]any)
	if last["_id"] != m["_id"] {
		t.Fatalf("the room's last message: %v", last)
	}
	if n := len(alice.Get("/api/v1/groups.files", "roomId", rid).OK(t).List("files")); n != 1 {
		t.Fatalf("groups.files lists %d files, want the confirmed one", n)
	}
}
