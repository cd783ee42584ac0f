package download

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"liftoff/files"
	"liftoff/files/local"
)

var content = []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + strings.Repeat(".", 38)) // 100 bytes

func newStore(t *testing.T) files.Store {
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for key, data := range map[string][]byte{"f/blob": content, "f/empty": nil} {
		if _, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), files.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

var uploaded = time.Date(2026, 11, 24, 20, 1, 40, 123e6, time.UTC)

func pngBlob() Blob {
	return Blob{Key: "f/blob", Size: 100, ContentType: "image/png", Name: "photo.png", ModTime: uploaded, ETag: "abc"}
}

type answer struct {
	code int
	h    http.Header
	body []byte
	err  error
}

func serve(t *testing.T, s files.Store, b Blob, opts Options, method, target string, header map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	err := Serve(rec, req, s, b, opts)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, body, err}
}

func TestWhole(t *testing.T) {
	s := newStore(t)
	a := serve(t, s, pngBlob(), Options{}, "GET", "/file-upload/x/photo.png", nil)
	if a.code != 200 || !bytes.Equal(a.body, content) || a.err != nil {
		t.Fatalf("GET: %d, %d bytes, %v", a.code, len(a.body), a.err)
	}
	want := map[string]string{
		"Content-Type":           "image/png",
		"Content-Length":         "100",
		"Content-Disposition":    `inline; filename="photo.png"; filename*=UTF-8''photo.png`,
		"X-Content-Type-Options": "nosniff",
		"Accept-Ranges":          "bytes",
		"Etag":                   `"abc"`,
		"Last-Modified":          "Tue, 24 Nov 2026 20:01:40 GMT",
		"Cache-Control":          DefaultCacheControl,
	}
	for k, v := range want {
		if got := a.h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	a = serve(t, s, pngBlob(), Options{CacheControl: "no-cache"}, "HEAD", "/", nil)
	if a.code != 200 || len(a.body) != 0 || a.h.Get("Content-Length") != "100" || a.h.Get("Cache-Control") != "no-cache" {
		t.Fatalf("HEAD: %d, %d bytes, %v", a.code, len(a.body), a.h)
	}
	a = serve(t, s, pngBlob(), Options{}, "POST", "/", nil)
	if a.code != 405 || a.h.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d", a.code)
	}
	// Size and date unknown: the store says.
	b := pngBlob()
	b.Size, b.ModTime, b.ETag = -1, time.Time{}, ""
	a = serve(t, s, b, Options{}, "GET", "/", nil)
	if a.code != 200 || !bytes.Equal(a.body, content) || a.h.Get("Last-Modified") == "" || !strings.HasPrefix(a.h.Get("Etag"), `"`) {
		t.Fatalf("unknown size: %d, %v", a.code, a.h)
	}
	// Missing blob.
	b.Key = "f/missing"
	a = serve(t, s, b, Options{}, "GET", "/", nil)
	if a.code != 404 || a.err == nil {
		t.Fatalf("missing: %d, %v", a.code, a.err)
	}
	b.Size = 10
	b.ModTime = uploaded
	a = serve(t, s, b, Options{}, "GET", "/", map[string]string{"Range": "bytes=0-1"})
	if a.code != 404 || a.h.Get("Content-Range") != "" {
		t.Fatalf("missing with a range: %d, %v", a.code, a.h)
	}
	// The record claims more bytes than the store holds: cut short, reported.
	b = pngBlob()
	b.Size = 150
	if a = serve(t, s, b, Options{}, "GET", "/", nil); a.err == nil {
		t.Fatal("a short blob was not reported")
	}
}

func TestDisposition(t *testing.T) {
	s := newStore(t)
	cases := []struct {
		ct     string
		d      Disposition
		inline bool
	}{
		{"image/png", Auto, true},
		{"image/jpeg", Inline, true},
		{"image/png", Attachment, false},
		{"video/mp4", Auto, true},
		{"audio/mpeg", Auto, true},
		{"image/svg+xml", Auto, false},
		{"image/svg+xml", Inline, false},
		{"text/html", Inline, false},
		{"application/pdf", Auto, false},
		{"text/plain", Auto, false},
		{"application/octet-stream", Auto, false},
		{"", Auto, false},
	}
	for _, c := range cases {
		b := pngBlob()
		b.ContentType = c.ct
		a := serve(t, s, b, Options{Disposition: c.d}, "GET", "/", nil)
		got := strings.HasPrefix(a.h.Get("Content-Disposition"), "inline;")
		if got != c.inline {
			t.Errorf("%q with %d: Content-Disposition %q", c.ct, c.d, a.h.Get("Content-Disposition"))
		}
		if c.ct == "" && a.h.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("no type: Content-Type %q", a.h.Get("Content-Type"))
		}
	}
	for q, want := range map[string]Disposition{
		"download":                      Attachment,
		"download=false":                Attachment, // Rocket.Chat: any value
		"contentDisposition=inline":     Inline,
		"contentDisposition=attachment": Attachment,
		"contentDisposition=x":          Auto,
		"":                              Auto,
	} {
		v, _ := url.ParseQuery(q)
		if got := DispositionFromQuery(v); got != want {
			t.Errorf("DispositionFromQuery(%q) = %d, want %d", q, got, want)
		}
	}
	for name, want := range map[string]string{
		"":                        "attachment",
		"a.txt":                   `attachment; filename="a.txt"; filename*=UTF-8''a.txt`,
		`résumé "final".pdf`:      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
		"日本.png":                  `attachment; filename="__.png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.png`,
		"100%;\\x\r\n.txt":        `attachment; filename="100_;_x__.txt"; filename*=UTF-8''100%25%3B%5Cx%0D%0A.txt`,
		"a'b(c)*,/:;<=>?@[]{}.js": `attachment; filename="a'b(c)*,/:;<=>?@[]{}.js"; filename*=UTF-8''a%27b%28c%29%2A%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5D%7B%7D.js`,
	} {
		got := ContentDisposition("attachment", name)
		if got != want {
			t.Errorf("ContentDisposition(%q) = %s\nwant %s", name, got, want)
		}
		// The header must survive Go's parser and give the name back.
		if name != "" {
			_, params, err := mime.ParseMediaType(got)
			if err != nil || params["filename"] != name {
				t.Errorf("ContentDisposition(%q) parses as %q, %v", name, params["filename"], err)
			}
		}
	}
}

func TestRanges(t *testing.T) {
	s := newStore(t)
	cases := []struct {
		rng        string
		code       int
		from, to   int
		contentRng string
	}{
		{"bytes=0-0", 206, 0, 1, "bytes 0-0/100"},
		{"bytes=0-", 206, 0, 100, "bytes 0-99/100"},
		{"bytes=5-9", 206, 5, 10, "bytes 5-9/100"},
		{"bytes=99-99", 206, 99, 100, "bytes 99-99/100"},
		{"bytes=90-200", 206, 90, 100, "bytes 90-99/100"},
		{"bytes=-1", 206, 99, 100, "bytes 99-99/100"},
		{"bytes=-500", 206, 0, 100, "bytes 0-99/100"},
		{"bytes = 10-19", 206, 10, 20, "bytes 10-19/100"},
		{"bytes=200-300,10-19", 206, 10, 20, "bytes 10-19/100"}, // the unsatisfiable one dropped
		{"items=0-5", 200, 0, 100, ""},                          // unknown unit: ignored
		{"bytes=0-99,0-99", 200, 0, 100, ""},                    // overlapping beyond the size: whole file
		{"bytes=100-", 416, 0, 0, "bytes */100"},
		{"bytes=100-200", 416, 0, 0, "bytes */100"},
		{"bytes=-0", 416, 0, 0, "bytes */100"},
		{"bytes=5-2", 416, 0, 0, "bytes */100"},
		{"bytes=abc", 416, 0, 0, "bytes */100"},
		{"bytes=1-2-3", 416, 0, 0, "bytes */100"},
		{"bytes=+1-2", 416, 0, 0, "bytes */100"},
		{"bytes", 416, 0, 0, "bytes */100"},
		{"bytes=", 416, 0, 0, "bytes */100"},
	}
	for _, c := range cases {
		a := serve(t, s, pngBlob(), Options{}, "GET", "/", map[string]string{"Range": c.rng})
		if a.code != c.code || a.h.Get("Content-Range") != c.contentRng {
			t.Errorf("Range %q: %d %q, want %d %q", c.rng, a.code, a.h.Get("Content-Range"), c.code, c.contentRng)
			continue
		}
		if c.code == 416 {
			if a.h.Get("Content-Type") != "" || len(a.body) != 0 {
				t.Errorf("Range %q: 416 with a body or type", c.rng)
			}
			continue
		}
		if !bytes.Equal(a.body, content[c.from:c.to]) || a.h.Get("Content-Length") != strconv.Itoa(c.to-c.from) {
			t.Errorf("Range %q: body %q", c.rng, a.body)
		}
	}
	// Too many ranges: the whole file once.
	many := "bytes=" + strings.Repeat("0-0,", MaxRanges) + "1-1"
	if a := serve(t, s, pngBlob(), Options{}, "GET", "/", map[string]string{"Range": many}); a.code != 200 {
		t.Errorf("%d ranges: %d", MaxRanges+1, a.code)
	}
	// An empty file has no satisfiable range.
	empty := Blob{Key: "f/empty", Size: 0, ContentType: "text/plain", ModTime: uploaded}
	if a := serve(t, s, empty, Options{}, "GET", "/", map[string]string{"Range": "bytes=0-"}); a.code != 416 {
		t.Errorf("range of an empty file: %d", a.code)
	}
	if a := serve(t, s, empty, Options{}, "GET", "/", nil); a.code != 200 || len(a.body) != 0 || a.h.Get("Content-Length") != "0" {
		t.Errorf("empty file: %d", a.code)
	}
	// HEAD with a range.
	if a := serve(t, s, pngBlob(), Options{}, "HEAD", "/", map[string]string{"Range": "bytes=10-19"}); a.code != 206 || len(a.body) != 0 || a.h.Get("Content-Length") != "10" {
		t.Errorf("HEAD range: %d %v", a.code, a.h)
	}
}

func TestMultipleRanges(t *testing.T) {
	s := newStore(t)
	a := serve(t, s, pngBlob(), Options{}, "GET", "/", map[string]string{"Range": "bytes=0-1, 10-12,-2"})
	if a.code != 206 {
		t.Fatalf("status %d", a.code)
	}
	if a.h.Get("Content-Length") != strconv.Itoa(len(a.body)) {
		t.Fatalf("Content-Length %s for %d bytes", a.h.Get("Content-Length"), len(a.body))
	}
	mt, params, err := mime.ParseMediaType(a.h.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q", a.h.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(a.body), params["boundary"])
	want := []struct{ rng, body string }{{"bytes 0-1/100", "01"}, {"bytes 10-12/100", "abc"}, {"bytes 98-99/100", ".."}}
	for i, w := range want {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		body, _ := io.ReadAll(p)
		if p.Header.Get("Content-Range") != w.rng || string(body) != w.body || p.Header.Get("Content-Type") != "image/png" {
			t.Errorf("part %d: %q %q %q", i, p.Header.Get("Content-Range"), body, p.Header.Get("Content-Type"))
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("after the parts: %v", err)
	}
	h := serve(t, s, pngBlob(), Options{}, "HEAD", "/", map[string]string{"Range": "bytes=0-1, 10-12,-2"})
	if h.code != 206 || h.h.Get("Content-Length") != a.h.Get("Content-Length") || len(h.body) != 0 {
		t.Fatalf("HEAD multipart: %d %v", h.code, h.h)
	}
}

func TestConditional(t *testing.T) {
	s := newStore(t)
	before := uploaded.Add(-time.Hour).Format(http.TimeFormat)
	same := uploaded.Format(http.TimeFormat) // whole seconds: uploaded has milliseconds
	after := uploaded.Add(time.Hour).Format(http.TimeFormat)
	cases := []struct {
		name   string
		header map[string]string
		code   int
	}{
		{"If-None-Match matches", map[string]string{"If-None-Match": `"abc"`}, 304},
		{"If-None-Match weak", map[string]string{"If-None-Match": `W/"abc"`}, 304},
		{"If-None-Match list", map[string]string{"If-None-Match": `"x", "abc"`}, 304},
		{"If-None-Match star", map[string]string{"If-None-Match": `*`}, 304},
		{"If-None-Match other", map[string]string{"If-None-Match": `"other"`}, 200},
		{"If-None-Match beats If-Modified-Since", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": after}, 200},
		{"If-Modified-Since same second", map[string]string{"If-Modified-Since": same}, 304},
		{"If-Modified-Since later", map[string]string{"If-Modified-Since": after}, 304},
		{"If-Modified-Since earlier", map[string]string{"If-Modified-Since": before}, 200},
		{"If-Modified-Since garbage", map[string]string{"If-Modified-Since": "yesterday"}, 200},
		{"If-Match matches", map[string]string{"If-Match": `"abc"`}, 200},
		{"If-Match weak", map[string]string{"If-Match": `W/"abc"`}, 412},
		{"If-Match other", map[string]string{"If-Match": `"other"`}, 412},
		{"If-Unmodified-Since earlier", map[string]string{"If-Unmodified-Since": before}, 412},
		{"If-Unmodified-Since same", map[string]string{"If-Unmodified-Since": same}, 200},
		{"If-Range etag", map[string]string{"Range": "bytes=0-4", "If-Range": `"abc"`}, 206},
		{"If-Range other etag", map[string]string{"Range": "bytes=0-4", "If-Range": `"zzz"`}, 200},
		{"If-Range weak", map[string]string{"Range": "bytes=0-4", "If-Range": `W/"abc"`}, 200},
		{"If-Range date", map[string]string{"Range": "bytes=0-4", "If-Range": same}, 206},
		{"If-Range other date", map[string]string{"Range": "bytes=0-4", "If-Range": before}, 200},
	}
	for _, c := range cases {
		a := serve(t, s, pngBlob(), Options{}, "GET", "/", c.header)
		if a.code != c.code {
			t.Errorf("%s: %d, want %d", c.name, a.code, c.code)
		}
		if a.code == 304 && (len(a.body) != 0 || a.h.Get("Etag") != `"abc"` || a.h.Get("Content-Type") != "") {
			t.Errorf("%s: 304 with body %q, headers %v", c.name, a.body, a.h)
		}
	}
}

type fakePresigner struct {
	key    string
	expiry time.Duration
	opts   files.PresignOptions
}

func (f *fakePresigner) PresignGet(_ context.Context, key string, expiry time.Duration, opts files.PresignOptions) (*url.URL, error) {
	f.key, f.expiry, f.opts = key, expiry, opts
	if key == "missing" {
		return nil, files.ErrNotFound
	}
	return url.Parse("https://bucket.s3.example/" + key + "?X-Amz-Signature=x")
}

func TestRedirect(t *testing.T) {
	p := &fakePresigner{}
	b := Blob{Key: "uploads/x", ContentType: "text/html", Name: "page.html"}
	rec := httptest.NewRecorder()
	if err := Redirect(rec, httptest.NewRequest("GET", "/file-upload/x/page.html?contentDisposition=inline", nil), p, b, 2*time.Minute, Inline); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 302 || rec.Header().Get("Location") != "https://bucket.s3.example/uploads/x?X-Amz-Signature=x" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("redirect: %d %v", rec.Code, rec.Header())
	}
	want := files.PresignOptions{ContentType: "text/html", ContentDisposition: `attachment; filename="page.html"; filename*=UTF-8''page.html`}
	if p.key != "uploads/x" || p.expiry != 2*time.Minute || p.opts != want {
		t.Fatalf("presigned %q %v %+v", p.key, p.expiry, p.opts)
	}
	rec = httptest.NewRecorder()
	if err := Redirect(rec, httptest.NewRequest("GET", "/", nil), p, Blob{Key: "missing"}, time.Minute, Auto); err == nil || rec.Code != 404 {
		t.Fatalf("missing: %d, %v", rec.Code, err)
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-5", "bytes=5-", "bytes=0-1,3-4", "bytes=a-b", "bytes=1-0", "x=1"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			size = -size
		}
		rs, err := parseRange(header, size)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.start < 0 || r.length <= 0 || r.start+r.length > size {
				t.Fatalf("parseRange(%q, %d) gave %+v", header, size, r)
			}
		}
	})
}
