package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func build() fstest.MapFS {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("console.log('app')"))
	_ = zw.Close()
	return fstest.MapFS{
		"index.html":             {Data: []byte(`<!doctype html><script type="module" src="/assets/index-abc.js"></script>`)},
		"favicon.svg":            {Data: []byte(`<svg/>`)},
		"assets/index-abc.js":    {Data: []byte("console.log('app')")},
		"assets/index-abc.js.gz": {Data: gz.Bytes()},
		"assets/index-abc.js.br": {Data: []byte("brotli-bytes")},
		".gitkeep":               {Data: nil},
	}
}

func get(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestIndexAndSPAFallback(t *testing.T) {
	s := New(build())
	if !s.Built() {
		t.Fatal("Built() = false with index.html present")
	}
	for _, p := range []string{"/", "/index.html", "/home", "/channel/general", "/channel/my.room", "/group/x", "/direct/abc", "/admin/users", "/login", "/register", "/a/../b"} {
		rec := get(t, s, "GET", p)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "/assets/index-abc.js") {
			t.Fatalf("GET %s: %d %q", p, rec.Code, rec.Body.String())
		}
		h := rec.Header()
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", p, h.Get("Cache-Control"))
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
	}
}

func TestHashedAssetsCompressedAndCached(t *testing.T) {
	s := New(build())
	cases := []struct{ accept, encoding, body string }{
		{"gzip, deflate, br", "br", "brotli-bytes"},
		{"gzip", "gzip", ""},
		{"br;q=0, gzip", "gzip", ""},
		{"", "", "console.log('app')"},
		{"identity", "", "console.log('app')"},
	}
	for _, c := range cases {
		rec := get(t, s, "GET", "/assets/index-abc.js", "Accept-Encoding", c.accept)
		if rec.Code != 200 {
			t.Fatalf("%q: status %d", c.accept, rec.Code)
		}
		h := rec.Header()
		if got := h.Get("Content-Encoding"); got != c.encoding {
			t.Errorf("%q: Content-Encoding %q, want %q", c.accept, got, c.encoding)
		}
		if h.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%q: Cache-Control %q", c.accept, h.Get("Cache-Control"))
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") {
			t.Errorf("%q: Content-Type %q", c.accept, h.Get("Content-Type"))
		}
		if h.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%q: Vary %q", c.accept, h.Get("Vary"))
		}
		if c.encoding == "gzip" {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(zr)
			if string(b) != "console.log('app')" {
				t.Errorf("gunzipped %q", b)
			}
		} else if rec.Body.String() != c.body {
			t.Errorf("%q: body %q, want %q", c.accept, rec.Body.String(), c.body)
		}
	}
}

func TestConditionalGet(t *testing.T) {
	s := New(build())
	first := get(t, s, "GET", "/assets/index-abc.js", "Accept-Encoding", "gzip")
	tag := first.Header().Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	if again := get(t, s, "GET", "/assets/index-abc.js", "Accept-Encoding", "gzip", "If-None-Match", tag); again.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", again.Code)
	}
	// The identity variant has another tag: a cache holding the gzip bytes
	// must not revalidate them for a client that did not ask for gzip.
	if plain := get(t, s, "GET", "/assets/index-abc.js", "If-None-Match", tag); plain.Code != 200 {
		t.Errorf("identity with gzip tag: %d, want 200", plain.Code)
	}
}

func TestMissingAssetIs404NotTheApp(t *testing.T) {
	s := New(build())
	rec := get(t, s, "GET", "/assets/index-old.js")
	if rec.Code != 404 || strings.Contains(rec.Body.String(), "<script") {
		t.Fatalf("missing asset: %d %q", rec.Code, rec.Body.String())
	}
}

func TestRootFileRevalidated(t *testing.T) {
	rec := get(t, New(build()), "GET", "/favicon.svg")
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("favicon: %d %v", rec.Code, rec.Header())
	}
}

func TestMethods(t *testing.T) {
	s := New(build())
	if rec := get(t, s, "POST", "/home"); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d %v", rec.Code, rec.Header())
	}
	if rec := get(t, s, "HEAD", "/home"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Fatalf("HEAD: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestNotBuiltPlaceholder(t *testing.T) {
	s := New(fstest.MapFS{".gitkeep": {Data: nil}})
	if s.Built() {
		t.Fatal("Built() = true without index.html")
	}
	rec := get(t, s, "GET", "/channel/general")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "make run") || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("placeholder: %d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("placeholder CSP %q", csp)
	}
}

func TestEmbeddedBuildLoads(t *testing.T) {
	// Whatever this checkout holds (a build or only .gitkeep), the embedded
	// handler answers the root with a page.
	rec := get(t, Handler(), "GET", "/")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("embedded /: %d %v", rec.Code, rec.Header())
	}
}
