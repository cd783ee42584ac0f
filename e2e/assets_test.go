package e2e

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"liftoff/internal/testserver"
)

// assetForm posts assets.setAsset as c: the file in "asset", the name in
// "assetName" when given.
func assetForm(t *testing.T, c *testserver.Client, assetName, fileName string, content []byte) *testserver.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("asset", fileName)
	fw.Write(content)
	if assetName != "" {
		w.WriteField("assetName", assetName)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.Srv.URL+"/api/v1/assets.setAsset", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

func TestAssets(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	anon := srv.Anon(t)

	logo := pngOf(t, 120, 40)
	assetForm(t, alice, "logo", "logo.png", logo).Fail(t, 400, "error-action-not-allowed")
	assetForm(t, admin, "logo", "logo.png", logo).OK(t)
	s := admin.Get("/api/v1/settings/Assets_logo").OK(t)
	val, _ := s.JSON["value"].(map[string]any)
	if val["url"] != "assets/logo.png" || val["defaultUrl"] != "images/logo/logo.svg" {
		t.Fatalf("Assets_logo: %s", s.Body)
	}
	d := fetch(t, anon, "/assets/logo.png")
	if d.Status != 200 || !bytes.Equal(d.Body, logo) || d.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("logo: %d %v", d.Status, d.Header)
	}
	wantStatus(t, fetch(t, anon, "/assets/logo.ico"), 403)

	// The asset's constraints: type, exact size; unknown assets.
	assetForm(t, admin, "favicon_16", "f.png", pngOf(t, 32, 32)).Fail(t, 400, "error-invalid-file-width")
	assetForm(t, admin, "favicon_ico", "f.png", pngOf(t, 16, 16)).Fail(t, 400, "error-invalid-file-type")
	assetForm(t, admin, "nope", "f.png", pngOf(t, 16, 16)).Fail(t, 400, "error-invalid-asset")
	assetForm(t, admin, "", "favicon_16", pngOf(t, 16, 16)).OK(t) // the file's name names the asset
	if d := fetch(t, anon, "/assets/favicon_16.png"); d.Status != 200 {
		t.Fatalf("favicon_16: %d", d.Status)
	}

	// Replace, then unset.
	logo2 := pngOf(t, 60, 20)
	assetForm(t, admin, "logo", "logo.png", logo2).OK(t)
	if d := fetch(t, anon, "/assets/logo.png"); !bytes.Equal(d.Body, logo2) {
		t.Fatal("replaced logo not served")
	}
	alice.Post("/api/v1/assets.unsetAsset", map[string]any{"assetName": "logo"}).Fail(t, 400, "error-action-not-allowed")
	admin.Post("/api/v1/assets.unsetAsset", map[string]any{"assetName": "nope"}).Fail(t, 400, "error-invalid-asset")
	admin.Post("/api/v1/assets.unsetAsset", map[string]any{"assetName": "logo"}).OK(t)
	s = admin.Get("/api/v1/settings/Assets_logo").OK(t)
	if val, _ := s.JSON["value"].(map[string]any); val["url"] != nil || val["defaultUrl"] != "images/logo/logo.svg" {
		t.Fatalf("after unset: %s", s.Body)
	}
	wantStatus(t, fetch(t, anon, "/assets/logo.png"), 404)
	// Other files under /assets/ are the web client's.
	if d := fetch(t, anon, "/assets/not-an-asset.js"); d.Status == 200 && d.Header.Get("Content-Type") == "image/png" {
		t.Fatalf("web client file answered as an asset: %v", d.Header)
	}
}
