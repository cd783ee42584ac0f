package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// The built client. dist/.gitkeep keeps the pattern matching in a checkout
// where the client was never built.
//
//go:embed all:dist
var embedded embed.FS

// ContentSecurityPolicy is sent with the app's page. Scripts come only from
// the app's own origin (no inline script, no eval); styles may be inline
// because Fuselage injects its CSS at run time; connections only to the same
// origin (fetch and the DDP WebSocket); images also from https (link
// previews) and blob:/data: (generated images).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; " +
	"worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// placeholderPolicy is the policy of the "not built" page, whose only style
// is inline.
const placeholderPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

// Handler serves the client embedded in this binary.
func Handler() http.Handler {
	sub, err := fs.Sub(embedded, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path; "dist" is valid.
		panic(err)
	}
	return New(sub)
}

// file is one servable file with its precompressed variants.
type file struct {
	name     string // path inside the build, for Content-Type
	data     []byte
	etag     string
	variants []variant // best first
}

type variant struct {
	encoding string // "br" or "gzip"
	data     []byte
	etag     string
}

// Site serves one build of the client.
type Site struct {
	files map[string]*file // by path without the leading slash
	index *file            // nil when the client was not built
}

// New serves the build in files (index.html at its root, hashed files under
// assets/, their .br/.gz variants beside them).
func New(files fs.FS) *Site {
	s := &Site{files: map[string]*file{}}
	raw := map[string][]byte{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		b, err := fs.ReadFile(files, p)
		if err == nil {
			raw[p] = b
		}
		return nil
	})
	for p, b := range raw {
		if strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			continue
		}
		f := &file{name: p, data: b, etag: etag(b, "")}
		if br, ok := raw[p+".br"]; ok {
			f.variants = append(f.variants, variant{"br", br, etag(b, "-br")})
		}
		if gz, ok := raw[p+".gz"]; ok {
			f.variants = append(f.variants, variant{"gzip", gz, etag(b, "-gz")})
		}
		s.files[p] = f
	}
	s.index = s.files["index.html"]
	return s
}

// Built reports whether the client's build is present.
func (s *Site) Built() bool { return s.index != nil }

func etag(b []byte, suffix string) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + suffix + `"`
}

// ServeHTTP answers GET and HEAD: a file of the build, or else the app's
// page, so that client-side routes load the app.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if s.index == nil {
		s.servePlaceholder(w, r)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if f, ok := s.files[p]; ok && p != "index.html" {
		if strings.HasPrefix(p, "assets/") {
			// Vite puts a content hash in every name under assets/.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		s.serveFile(w, r, f)
		return
	}
	if strings.HasPrefix(p, "assets/") {
		// A missing hashed file (an old page asking for a previous build's
		// chunk) must not receive the HTML page as JavaScript.
		h.Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	s.serveFile(w, r, s.index)
}

// serveFile writes f, or its best precompressed variant the client accepts,
// with conditional-request and Range support from http.ServeContent.
func (s *Site) serveFile(w http.ResponseWriter, r *http.Request, f *file) {
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(f.name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	data, tag := f.data, f.etag
	if len(f.variants) > 0 {
		h.Add("Vary", "Accept-Encoding")
		accepted := acceptedEncodings(r.Header.Get("Accept-Encoding"))
		for _, v := range f.variants {
			if accepted[v.encoding] {
				h.Set("Content-Encoding", v.encoding)
				data, tag = v.data, v.etag
				break
			}
		}
	}
	h.Set("ETag", tag)
	if h.Get("Content-Encoding") != "" && r.Header.Get("Range") == "" {
		// ServeContent leaves out the length of encoded bodies; it is known.
		h.Set("Content-Length", strconv.Itoa(len(data)))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// acceptedEncodings reads an Accept-Encoding header; an encoding given q=0
// is refused.
func acceptedEncodings(header string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		out[name] = !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return out
}

func (s *Site) servePlaceholder(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", placeholderPolicy)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.WriteString(w, placeholderPage)
}

// placeholderPage says how to get the client; the API works without it.
var placeholderPage = fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liftoff: web client not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2329}
code,pre{background:#f2f3f5;border-radius:4px;padding:.1rem .3rem}pre{padding:.75rem}</style></head>
<body><h1>Liftoff is running</h1>
<p>This binary was built without its web client, so there is no chat app here yet. The server
itself works: Rocket.Chat's apps, bots and SDKs can connect to its API (<code>/api/v1</code>, <code>/websocket</code>).</p>
<p>To build the binary with the web client (needs Node.js 20 or newer and npm), run from the repository:</p>
<pre>make run</pre>
<p>which builds the client from <code>web/</code> into <code>webui/dist</code> when it is missing or stale, then the
server with the client embedded. By hand: <code>%s</code>, then <code>go build ./cmd/liftoff</code>.</p>
</body></html>
`, "scripts/web.sh build")
