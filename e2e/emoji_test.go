package e2e

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"liftoff/internal/testserver"
)

// emojiForm posts an emoji-custom form as c (picture in "emoji" when
// content is not nil).
func emojiForm(t *testing.T, c *testserver.Client, endpoint string, fields map[string]string, name string, content []byte) *testserver.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if content != nil {
		fw, _ := w.CreateFormFile("emoji", name)
		fw.Write(content)
	}
	for k, v := range fields {
		w.WriteField(k, v)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+"/api/v1/"+endpoint, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

func TestCustomEmoji(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice, aliceRT := rtUser(t, srv, "alice")
	aliceRT.sub("stream-notify-logged", "updateEmojiCustom", false)
	aliceRT.sub("stream-notify-logged", "deleteEmojiCustom", false)
	pic := pngOf(t, 32, 32)

	emojiForm(t, admin, "emoji-custom.create", map[string]string{"name": "party_parrot", "aliases": "pp, parrot"}, "parrot.png", pic).OK(t)
	ev := aliceRT.event("stream-notify-logged", "updateEmojiCustom", func(args []any) bool {
		m, _ := args[0].(map[string]any)
		d, _ := m["emojiData"].(map[string]any)
		return d["name"] == "party_parrot"
	})
	data := ev[0].(map[string]any)["emojiData"].(map[string]any)
	id := data["_id"].(string)
	if data["extension"] != "png" || !listHas(data["aliases"], "pp") || !listHas(data["aliases"], "parrot") {
		t.Fatalf("emojiData: %v", data)
	}

	var listed []map[string]any
	aliceRT.call(&listed, "listEmojiCustom")
	if len(listed) != 1 || listed[0]["_id"] != id || listed[0]["name"] != "party_parrot" {
		t.Fatalf("listEmojiCustom: %v", listed)
	}
	all := alice.Get("/api/v1/emoji-custom.all").OK(t)
	if all.Num("total") != 1 || all.Str("emojis.0.name") != "party_parrot" || all.Str("emojis.0._id") != id {
		t.Fatalf("all: %s", all.Body)
	}
	d := fetch(t, srv.Anon(t), "/emoji-custom/party_parrot.png")
	if d.Status != 200 || !bytes.Equal(d.Body, pic) || d.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("emoji picture: %d %v", d.Status, d.Header)
	}
	wantStatus(t, fetch(t, alice, "/emoji-custom/party_parrot.png", "If-None-Match", d.Header.Get("ETag")), 304)
	if d := fetch(t, alice, "/emoji-custom/nope.png"); d.Status != 200 || d.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(d.Body), "?") {
		t.Fatalf("placeholder: %d %v", d.Status, d.Header)
	}

	// Refusals: permission, name rules, name in use, not a picture.
	emojiForm(t, alice, "emoji-custom.create", map[string]string{"name": "mine"}, "x.png", pic).Fail(t, 403, "")
	emojiForm(t, admin, "emoji-custom.create", map[string]string{"name": "bad name!"}, "x.png", pic).Fail(t, 400, "error-input-is-not-a-valid-field")
	emojiForm(t, admin, "emoji-custom.create", map[string]string{"name": ""}, "x.png", pic).Fail(t, 400, "error-the-field-is-required")
	emojiForm(t, admin, "emoji-custom.create", map[string]string{"name": "parrot"}, "x.png", pic).Fail(t, 400, "Custom_Emoji_Error_Name_Already_In_Use")
	emojiForm(t, admin, "emoji-custom.create", map[string]string{"name": "texty"}, "x.png", []byte("hello")).Fail(t, 400, "emoji-is-not-image")
	if n := admin.Get("/api/v1/emoji-custom.all").OK(t).Num("total"); n != 1 {
		t.Fatalf("refused emoji were stored: %v", n)
	}

	// list with updatedSince, then update (rename and new picture), then delete.
	since := srv.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	srv.Advance(t, 5e6)
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	emojiForm(t, admin, "emoji-custom.update", map[string]string{"_id": id, "name": "blue_parrot", "aliases": "bp"}, "p.gif", gif).OK(t)
	l := alice.Get("/api/v1/emoji-custom.list", "updatedSince", since).OK(t)
	if l.Str("emojis.update.0.name") != "blue_parrot" || l.Str("emojis.update.0.extension") != "gif" || len(l.List("emojis.remove")) != 0 {
		t.Fatalf("list after update: %s", l.Body)
	}
	if d := fetch(t, alice, "/emoji-custom/blue_parrot.gif"); d.Status != 200 || !bytes.Equal(d.Body, gif) {
		t.Fatalf("updated picture: %d", d.Status)
	}
	if d := fetch(t, alice, "/emoji-custom/party_parrot.png"); d.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("old name still served: %v", d.Header)
	}
	emojiForm(t, admin, "emoji-custom.update", map[string]string{"_id": "nope", "name": "x"}, "", nil).Fail(t, 400, "error-emoji-not-found")

	admin.Post("/api/v1/emoji-custom.delete", map[string]any{"emojiId": id}).OK(t)
	aliceRT.event("stream-notify-logged", "deleteEmojiCustom", func(args []any) bool {
		m, _ := args[0].(map[string]any)
		d, _ := m["emojiData"].(map[string]any)
		return d["_id"] == id
	})
	l = alice.Get("/api/v1/emoji-custom.list", "updatedSince", since).OK(t)
	if len(l.List("emojis.update")) != 0 || l.Str("emojis.remove.0._id") != id {
		t.Fatalf("list after delete: %s", l.Body)
	}
	admin.Post("/api/v1/emoji-custom.delete", map[string]any{"emojiId": id}).Fail(t, 400, "Custom_Emoji_Error_Invalid_Emoji")
	alice.Post("/api/v1/emoji-custom.delete", map[string]any{"emojiId": id}).Fail(t, 403, "")
	if d := fetch(t, alice, "/emoji-custom/blue_parrot.gif"); d.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("deleted emoji still served: %v", d.Header)
	}
}
