package linkpreview

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/internal/safehttp"
)

// settings is a SettingsReader over a map, with Rocket.Chat's defaults
// except the lists that would refuse a loopback test server.
type settings map[string]any

func (s settings) Bool(id string) bool     { b, _ := s[id].(bool); return b }
func (s settings) Int(id string) int       { n, _ := s[id].(int); return n }
func (s settings) String(id string) string { v, _ := s[id].(string); return v }

func testSettings(port string) settings {
	return settings{
		"API_Embed":                    true,
		"API_Embed_UserAgent":          "Mozilla/5.0 (test)",
		"API_EmbedIgnoredHosts":        "localhost, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16",
		"API_EmbedSafePorts":           "80, 443, " + port,
		"API_EmbedCacheExpirationDays": 30,
		"API_EmbedTimeout":             10,
		"Language":                     "pt-BR",
		"Site_Url":                     "https://chat.example.org",
	}
}

// site serves test pages and counts requests per path.
type site struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
	ua   atomic.Value
	lang atomic.Value
}

func newSite(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) *site {
	t.Helper()
	s := &site{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		s.ua.Store(r.Header.Get("User-Agent"))
		s.lang.Store(r.Header.Get("Accept-Language"))
		h, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) port() string {
	return fmt.Sprint(s.Listener.Addr().(*net.TCPAddr).Port)
}

func page(body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	}
}

func newPreviewer(t *testing.T, s settings, opts Options) *Previewer {
	t.Helper()
	if opts.Client == nil {
		opts.Client = safehttp.New(safehttp.Options{AllowList: safehttp.MustParseAllowList("127.0.0.1")})
	}
	opts.Settings = s
	opts.Version = "1.2.3"
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(opts)
}

const article = `<!doctype html><html><head>
<title>The &amp; Article</title>
<meta property="og:title" content="OG &quot;Title&quot;">
<meta property='og:image' content='https://cdn.example.org/a.png'>
<meta content="Summary card" name="twitter:card">
<meta name="twitter:image:src" content="https://cdn.example.org/t.png">
<meta name="description" content="">
<meta name="description" content="A description">
<meta property="og:title" content="second, ignored">
<meta name="oembed:html" content="<script>alert(1)</script>">
<meta name="oembed_html" content="<iframe src=x>">
<meta name="viewport" content="width=device-width">
<meta name="theme-color" content="#fff">
<link rel="alternate" type="application/json+oembed" href="/oembed.json">
</head><body><meta name="fb:app_id" content="123"></body></html>`

func TestPreviewReadsMetaTags(t *testing.T) {
	s := newSite(t, map[string]func(http.ResponseWriter, *http.Request){"/article": page(article)})
	p := newPreviewer(t, testSettings(s.port()), Options{})
	u, found := p.Preview(context.Background(), s.URL+"/article")
	if !found {
		t.Fatal("not found")
	}
	b, _ := json.Marshal(u)
	want := fmt.Sprintf(`{"url":"%s/article","meta":{"description":"A description","fbAppId":"123","ogImage":"https://cdn.example.org/a.png","ogTitle":"OG \"Title\"","pageTitle":"The \u0026 Article","twitterCard":"Summary card","twitterImageSrc":"https://cdn.example.org/t.png"},"headers":{"contentLength":"%d","contentType":"text/html; charset=utf-8"}}`, s.URL, len(article))
	if string(b) != want {
		t.Fatalf("preview\n got %s\nwant %s", b, want)
	}
	if ua := s.ua.Load(); ua != "Mozilla/5.0 (test) Liftoff/1.2.3" || s.lang.Load() != "pt-BR" {
		t.Fatalf("headers sent: %v, %v", ua, s.lang.Load())
	}
}

func TestPreviewEncodingsAndKinds(t *testing.T) {
	latin1 := "<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9 cr\xe8me</title></head></html>"
	big := "<html><head><title>Too late</title>" + strings.Repeat(" ", 300000) + `<meta property="og:title" content="beyond the limit"></head></html>`
	s := newSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/latin1": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, latin1)
		},
		"/image.png": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n<title>not html</title>"))
		},
		"/big":      page(big),
		"/gone":     func(w http.ResponseWriter, r *http.Request) { http.Error(w, "<title>Gone</title>", http.StatusGone) },
		"/redirect": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/latin1", http.StatusFound) },
		"/spa": func(w http.ResponseWriter, r *http.Request) {
			if _, ok := r.URL.Query()["_escaped_fragment_"]; ok {
				page(`<title>Rendered for crawlers</title>`)(w, r)
				return
			}
			page(`<meta name="fragment" content="!"><title>Empty shell</title>`)(w, r)
		},
	})
	p := newPreviewer(t, testSettings(s.port()), Options{})
	ctx := context.Background()
	if u, ok := p.Preview(ctx, s.URL+"/latin1"); !ok || u.Meta["pageTitle"] != "Café crème" {
		t.Fatalf("latin1: %+v", u)
	}
	if u, ok := p.Preview(ctx, s.URL+"/redirect"); !ok || u.Meta["pageTitle"] != "Café crème" {
		t.Fatalf("redirect: %+v", u)
	}
	u, ok := p.Preview(ctx, s.URL+"/image.png")
	if !ok || len(u.Meta) != 0 || u.Headers == nil || u.Headers.ContentType != "image/png" {
		t.Fatalf("image: %+v %+v", u, u.Headers)
	}
	if u, ok := p.Preview(ctx, s.URL+"/big"); !ok || u.Meta["pageTitle"] != "Too late" || u.Meta["ogTitle"] != "" {
		t.Fatalf("big page (read up to 250000 bytes): %+v", u)
	}
	if u, ok := p.Preview(ctx, s.URL+"/gone"); ok || len(u.Meta) != 0 || u.Headers != nil {
		t.Fatalf("410: %+v", u)
	}
	if u, ok := p.Preview(ctx, s.URL+"/spa"); !ok || u.Meta["pageTitle"] != "Rendered for crawlers" {
		t.Fatalf("fragment: %+v", u)
	}
	if _, ok := p.Preview(ctx, "ftp://example.org/x"); ok {
		t.Fatal("ftp previewed")
	}
}

func TestRefusals(t *testing.T) {
	s := newSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/page": page(`<title>t</title>`),
		"/to-metadata": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/", http.StatusFound)
		},
	})
	ctx := context.Background()
	// Without the allow-list, loopback is refused by the safe client,
	// whatever the embed settings say.
	closed := newPreviewer(t, testSettings(s.port()), Options{Client: safehttp.New(safehttp.Options{})})
	if _, ok := closed.Preview(ctx, s.URL+"/page"); ok || s.count("/page") != 0 {
		t.Fatal("loopback fetched without the allow-list")
	}
	open := testSettings(s.port())
	p := newPreviewer(t, open, Options{})
	if _, ok := p.Preview(ctx, s.URL+"/to-metadata"); ok {
		t.Fatal("redirect to the metadata service followed")
	}
	for name, setting := range map[string]string{
		"exact address": "127.0.0.1",
		"CIDR":          "10.0.0.0/8, 127.0.0.0/8",
		"wildcard":      "*.0.0.1", // * is one label
	} {
		open["API_EmbedIgnoredHosts"] = setting
		if _, ok := p.Preview(ctx, s.URL+"/page"); ok {
			t.Errorf("%s: ignored host fetched", name)
		}
	}
	open["API_EmbedIgnoredHosts"] = "*"
	if _, ok := p.Preview(ctx, s.URL+"/page"); !ok {
		t.Error(`a lone "*" ignores nothing, as in Rocket.Chat`)
	}
	open["API_EmbedIgnoredHosts"] = ""
	open["API_EmbedSafePorts"] = "80, 443"
	if _, ok := p.Preview(ctx, s.URL+"/page"); ok {
		t.Error("unsafe port fetched")
	}
	if n := s.count("/page"); n != 1 {
		t.Fatalf("the page was fetched %d times, want once (only the allowed case)", n)
	}

	for _, tc := range []struct {
		host, setting string
		ignored       bool
	}{
		{"cdn.internal.example", "*.internal.example", true},
		{"a.b.internal.example", "*.internal.example", false},
		{"internal.example", "*.internal.example", false},
		{"LocalHost", "localhost", true},
		{"10.1.2.3", "10.0.0.0/8", true},
		{"11.1.2.3", "10.0.0.0/8", false},
		{"api.example.org", "api.*.org", true},
	} {
		if got := ignoredHost(strings.ToLower(tc.host), tc.setting); got != tc.ignored {
			t.Errorf("ignoredHost(%s, %s) = %v", tc.host, tc.setting, got)
		}
	}
}

func TestProvidersAndDiscovery(t *testing.T) {
	s := newSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/oembed": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"type":"video","title":"A video","author_name":"Ana","thumbnail_url":"https://img.example/v.jpg","width":480,"html":"<iframe src=\"https://videos.example/embed/1\"></iframe>","asked":%q}`, r.URL.Query().Get("url"))
		},
		"/page-with-link": page(`<title>Linked</title><link rel="alternate nofollow" type="application/json+oembed" href="/oembed">`),
	})
	providers := []Provider{{URLs: res(`^https?://videos\.example/watch/\S+`), Endpoint: s.URL + "/oembed?maxheight=200"}}
	resolver := fakeResolver{"videos.example": "127.0.0.1"}
	client := safehttp.New(safehttp.Options{AllowList: safehttp.MustParseAllowList("127.0.0.1"), Resolver: resolver})
	p := newPreviewer(t, testSettings(s.port()), Options{Providers: providers, Client: client})
	u, ok := p.Preview(context.Background(), "https://videos.example/watch/1")
	if !ok {
		t.Fatal("provider URL not previewed")
	}
	want := map[string]string{
		"oembedUrl":          "https://videos.example/watch/1",
		"oembedType":         "video",
		"oembedTitle":        "A video",
		"oembedAuthorName":   "Ana",
		"oembedThumbnailUrl": "https://img.example/v.jpg",
		"oembedHtml":         `<iframe style="max-width: 100%;width:400px;height:225px" src="https://videos.example/embed/1"></iframe>`,
		"oembedAsked":        "https://videos.example/watch/1",
	}
	if fmt.Sprint(u.Meta) != fmt.Sprint(want) {
		t.Fatalf("meta\n got %v\nwant %v", u.Meta, want)
	}

	// Discovery is off by default (Rocket.Chat has none); when on, the
	// untrusted endpoint's html is dropped.
	if u, _ := p.Preview(context.Background(), s.URL+"/page-with-link"); u.Meta["oembedTitle"] != "" {
		t.Fatalf("discovered without the option: %v", u.Meta)
	}
	d := newPreviewer(t, testSettings(s.port()), Options{DiscoverOEmbed: true})
	u, _ = d.Preview(context.Background(), s.URL+"/page-with-link")
	if u.Meta["oembedTitle"] != "A video" || u.Meta["pageTitle"] != "Linked" || u.Meta["oembedHtml"] != "" {
		t.Fatalf("discovery: %v", u.Meta)
	}
}

type fakeResolver map[string]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netipAddr, error) {
	if a, ok := f[host]; ok {
		return []netipAddr{mustAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestCacheAndMessages(t *testing.T) {
	s := newSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/a": page(`<title>A</title>`), "/b": page(`<title>B</title>`), "/c": page(`<title>C</title>`),
	})
	cfg := testSettings(s.port())
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cache := NewMemoryCache(100)
	p := newPreviewer(t, cfg, Options{Cache: cache, Now: func() time.Time { return now }})
	ctx := context.Background()
	for range 3 {
		if u, ok := p.Preview(ctx, s.URL+"/a"); !ok || u.Meta["pageTitle"] != "A" {
			t.Fatalf("cached preview: %+v", u)
		}
	}
	if s.count("/a") != 1 {
		t.Fatalf("fetched %d times, want once", s.count("/a"))
	}
	now = now.Add(31 * 24 * time.Hour) // past API_EmbedCacheExpirationDays
	p.Preview(ctx, s.URL+"/a")
	if s.count("/a") != 2 {
		t.Fatal("an expired entry was used")
	}
	if n := cache.DeleteBefore(now.Add(-time.Hour)); n != 0 {
		t.Fatalf("purged %d fresh entries", n)
	}

	msg := Message{SenderUsername: "ana", URLs: []URL{{URL: s.URL + "/b"}, {URL: s.URL + "/c", IgnoreParse: true}, {URL: "https://chat.example.org/channel/general"}}}
	urls, changed := p.PreviewMessage(ctx, msg)
	if !changed || urls[0].Meta["pageTitle"] != "B" || urls[1].Meta != nil || s.count("/c") != 0 {
		t.Fatalf("message: %+v", urls)
	}
	if _, changed := p.PreviewMessage(ctx, Message{URLs: msg.URLs, HasAttachments: true}); changed {
		t.Fatal("a message with attachments got previews")
	}
	many := Message{}
	for i := range 6 {
		many.URLs = append(many.URLs, URL{URL: fmt.Sprintf("%s/a?%d", s.URL, i)})
	}
	if _, changed := p.PreviewMessage(ctx, many); changed {
		t.Fatal("six external URLs got previews")
	}
	cfg["API_EmbedDisabledFor"] = "bob, ana"
	if _, changed := p.PreviewMessage(ctx, msg); changed {
		t.Fatal("previews for a user in API_EmbedDisabledFor")
	}
	cfg["API_EmbedDisabledFor"] = ""
	cfg["API_Embed"] = false
	if _, changed := p.PreviewMessage(ctx, msg); changed {
		t.Fatal("previews with API_Embed off")
	}
}

func TestParsedURL(t *testing.T) {
	s := newSite(t, map[string]func(http.ResponseWriter, *http.Request){"/p": page(`<title>P</title>`)})
	p := newPreviewer(t, testSettings(s.port()), Options{IncludeParsedURL: true})
	u, _ := p.Preview(context.Background(), s.URL+"/p?x=1#top")
	b, _ := json.Marshal(u.ParsedURL)
	host := strings.TrimPrefix(s.URL, "http://")
	want := fmt.Sprintf(`{"host":%q,"hash":"#top","pathname":"/p","protocol":"http:","port":%q,"query":"x=1","search":"?x=1","hostname":"127.0.0.1"}`, host, s.port())
	if string(b) != want {
		t.Fatalf("parsedUrl\n got %s\nwant %s", b, want)
	}
}
