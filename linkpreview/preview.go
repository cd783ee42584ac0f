package linkpreview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"liftoff/internal/safehttp"
)

// SettingsReader reads Rocket.Chat settings (*settings.Registry does).
type SettingsReader interface {
	Bool(id string) bool
	Int(id string) int
	String(id string) string
}

// Doer sends HTTP requests; use a *safehttp.Client (its checks on
// addresses, redirects and sizes are what makes fetching users' URLs safe).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Options configure a Previewer.
type Options struct {
	Client   Doer
	Settings SettingsReader
	Cache    Cache        // nil: no cache
	Logger   *slog.Logger // slog.Default()
	// Version is the server's version, sent in the User-Agent after
	// API_Embed_UserAgent as "Liftoff/<version>".
	Version string
	// Providers are the oEmbed providers (DefaultProviders when nil).
	Providers []Provider
	// MaxBodyBytes is how much of a page is read (250 000, Rocket.Chat's).
	MaxBodyBytes int64
	// DiscoverOEmbed also follows a page's oEmbed discovery link
	// (<link rel="alternate" type="application/json+oembed">), which
	// Rocket.Chat does not; the endpoint's html is never kept, since it
	// comes from a site nobody vetted.
	DiscoverOEmbed bool
	// IncludeParsedURL adds parsedUrl to previews, as Rocket.Chat did
	// before 6.x; current clients do not read it.
	IncludeParsedURL bool
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Previewer makes URL previews. It is safe for concurrent use.
type Previewer struct {
	opts Options
}

// New makes a Previewer.
func New(opts Options) *Previewer {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Providers == nil {
		opts.Providers = DefaultProviders
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 250000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Previewer{opts: opts}
}

// Headers are the response headers a preview keeps.
type Headers struct {
	ContentLength string `json:"contentLength,omitempty"`
	ContentType   string `json:"contentType,omitempty"`
}

// ParsedURL is the parts of a URL older clients read (Node's url.parse).
type ParsedURL struct {
	Host     *string `json:"host"`
	Hash     *string `json:"hash"`
	Pathname *string `json:"pathname"`
	Protocol *string `json:"protocol"`
	Port     *string `json:"port"`
	Query    *string `json:"query"`
	Search   *string `json:"search"`
	Hostname *string `json:"hostname"`
}

// URL is an entry of a message's urls, and chat.getURLPreview's
// urlPreview.
type URL struct {
	URL         string            `json:"url"`
	Source      string            `json:"source,omitempty"`
	Meta        map[string]string `json:"meta"`
	Headers     *Headers          `json:"headers,omitempty"`
	IgnoreParse bool              `json:"ignoreParse,omitempty"`
	ParsedURL   *ParsedURL        `json:"parsedUrl,omitempty"`
}

// Preview describes one URL as Rocket.Chat's parseUrl does: found is false
// (and the preview has only the URL and empty meta) when the URL is not
// http(s), is refused, cannot be fetched or does not answer 200.
// chat.getURLPreview answers {"urlPreview": u} with IgnoreParse set.
func (p *Previewer) Preview(ctx context.Context, rawURL string) (u URL, found bool) {
	u = URL{URL: rawURL, Meta: map[string]string{}}
	if !strings.HasPrefix(rawURL, "http://") && !strings.HasPrefix(rawURL, "https://") {
		return u, false
	}
	e, ok := p.entry(ctx, rawURL)
	if !ok {
		return u, false
	}
	for k, v := range e.Meta {
		if relevantMeta.MatchString(strings.ToLower(k)) && strings.TrimSpace(v) != "" {
			u.Meta[k] = v
		}
	}
	if h := u.Meta["oembedHtml"]; h != "" {
		u.Meta["oembedHtml"] = strings.Replace(h, "iframe", `iframe style="max-width: 100%;width:400px;height:225px"`, 1)
	}
	if e.Headers != (Headers{}) {
		h := e.Headers
		u.Headers = &h
	}
	if p.opts.IncludeParsedURL {
		u.ParsedURL = parsedURL(rawURL)
	}
	return u, true
}

// relevantMeta is Rocket.Chat's choice of meta keys to keep (its pattern,
// whose alternatives are not all anchored, is kept as it is).
var relevantMeta = regexp.MustCompile(`^(og|fb|twitter|oembed|msapplication).+|description|title|pageTitle$`)

// maxExternalPreviews: a message with more URLs to other sites gets none.
const maxExternalPreviews = 5

// Message is what PreviewMessage needs of a message.
type Message struct {
	URLs           []URL
	HasAttachments bool
	SenderUsername string
}

// PreviewMessage fills a new message's urls as Rocket.Chat does after
// saving it: nothing when API_Embed is off, the message has attachments,
// more than five URLs point elsewhere than Site_Url, or the sender is in
// API_EmbedDisabledFor (Rocket.Chat's clients hide those previews; not
// fetching them gives the same result). Entries marked IgnoreParse are
// left alone. It returns the updated list and whether anything changed,
// so the caller stores it only then.
func (p *Previewer) PreviewMessage(ctx context.Context, m Message) ([]URL, bool) {
	s := p.opts.Settings
	if !s.Bool("API_Embed") || len(m.URLs) == 0 || m.HasAttachments {
		return m.URLs, false
	}
	for _, name := range strings.Split(s.String("API_EmbedDisabledFor"), ",") {
		if n := strings.TrimSpace(name); n != "" && n == m.SenderUsername {
			return m.URLs, false
		}
	}
	site := s.String("Site_Url")
	external := 0
	for _, u := range m.URLs {
		if site == "" || !strings.Contains(u.URL, site) {
			external++
		}
	}
	if external > maxExternalPreviews {
		return m.URLs, false
	}
	out := make([]URL, len(m.URLs))
	changed := false
	for i, u := range m.URLs {
		out[i] = u
		if u.IgnoreParse {
			continue
		}
		if prev, found := p.Preview(ctx, u.URL); found {
			prev.Source, prev.IgnoreParse = u.Source, u.IgnoreParse
			out[i] = prev
			changed = true
		}
	}
	return out, changed
}

// entry returns what is known of u, from the cache or fetched.
func (p *Previewer) entry(ctx context.Context, u string) (Entry, bool) {
	expiry := time.Duration(p.opts.Settings.Int("API_EmbedCacheExpirationDays")) * 24 * time.Hour
	if p.opts.Cache != nil {
		e, ok, err := p.opts.Cache.Get(ctx, u)
		if err != nil {
			p.opts.Logger.Warn("link preview cache", "url", u, "err", err)
		} else if ok && (expiry <= 0 || p.opts.Now().Sub(e.UpdatedAt) < expiry) {
			return e, true
		}
	}
	e, err := p.fetchMeta(ctx, u, false)
	if err != nil {
		p.opts.Logger.Debug("link preview", "url", u, "err", err)
		return Entry{}, false
	}
	e.UpdatedAt = p.opts.Now()
	if p.opts.Cache != nil {
		if err := p.opts.Cache.Put(ctx, u, e); err != nil {
			p.opts.Logger.Warn("link preview cache", "url", u, "err", err)
		}
	}
	return e, true
}

// errNotOK: the page did not answer 200 (not cached, as in Rocket.Chat).
var errNotOK = errors.New("the page did not answer 200")

// fetchMeta is Rocket.Chat's getUrlMeta.
func (p *Previewer) fetchMeta(ctx context.Context, raw string, withFragment bool) (Entry, error) {
	target, err := url.Parse(raw)
	if err != nil {
		return Entry{}, err
	}
	if withFragment {
		q := target.Query()
		q.Set("_escaped_fragment_", "")
		target.RawQuery = q.Encode()
	}
	provider := providerFor(p.opts.Providers, raw)
	fetchURL := target.String()
	if provider != nil {
		if c, ok := provider.consumerURL(target.String()); ok {
			fetchURL = c
		}
	}
	status, headers, body, err := p.get(ctx, fetchURL, provider)
	if err != nil {
		return Entry{}, err
	}
	meta := map[string]string{}
	var discovered string
	if isMarkup(headers["contentType"]) {
		meta, discovered = pageMeta(body, headers["contentType"])
		if meta["fragment"] == "!" && !withFragment {
			return p.fetchMeta(ctx, raw, true)
		}
	}
	delete(meta, "oembedHtml") // a page may not supply its own embed HTML
	if status != http.StatusOK {
		return Entry{}, errNotOK
	}
	switch {
	case provider != nil && len(body) > 0:
		meta["oembedUrl"] = raw
		addOEmbed(meta, body, true)
	case provider == nil && p.opts.DiscoverOEmbed && discovered != "":
		if link, err := target.Parse(discovered); err == nil {
			if st, _, b, err := p.get(ctx, link.String(), nil); err == nil && st == http.StatusOK {
				addOEmbed(meta, b, false)
			}
		}
	}
	return Entry{Meta: meta, Headers: Headers{ContentLength: headers["contentLength"], ContentType: headers["contentType"]}}, nil
}

// addOEmbed adds an oEmbed answer's string fields as oembed<Field> keys;
// html only when trusted.
func addOEmbed(meta map[string]string, body []byte, trusted bool) {
	var fields map[string]any
	if json.Unmarshal(body, &fields) != nil {
		return
	}
	for k, v := range fields {
		s, ok := v.(string)
		if !ok || s == "" {
			continue
		}
		key := camelCase("oembed_" + k)
		if key == "oembedHtml" && !trusted {
			continue
		}
		meta[key] = s
	}
}

func isMarkup(contentType string) bool {
	ct := strings.ToLower(contentType)
	return ct == "" || strings.Contains(ct, "html") || strings.HasPrefix(ct, "text/")
}

// get fetches u with Rocket.Chat's checks and limits, returning the status,
// the headers in camel case and at most MaxBodyBytes of the body.
func (p *Previewer) get(ctx context.Context, u string, provider *Provider) (int, map[string]string, []byte, error) {
	s := p.opts.Settings
	if err := p.checkURL(u); err != nil {
		return 0, nil, nil, err
	}
	if secs := s.Int("API_EmbedTimeout"); secs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(secs)*time.Second)
		defer cancel()
	}
	ctx = safehttp.WithURLCheck(ctx, func(next *url.URL) error { return p.checkURL(next.String()) })
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	ua := strings.TrimSpace(s.String("API_Embed_UserAgent") + " Liftoff/" + p.opts.Version)
	req.Header.Set("User-Agent", ua)
	lang := s.String("Language")
	if lang == "" {
		lang = "en"
	}
	req.Header.Set("Accept-Language", lang)
	if provider != nil {
		for k, v := range provider.Headers {
			req.Header.Set(k, strings.ReplaceAll(v, "{UA}", ua))
		}
	}
	resp, err := p.opts.Client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.opts.MaxBodyBytes))
	if err != nil && !errors.Is(err, safehttp.ErrResponseTooLarge) {
		return 0, nil, nil, err
	}
	headers := map[string]string{}
	for k, v := range resp.Header {
		headers[camelCase(k)] = strings.Join(v, ", ")
	}
	return resp.StatusCode, headers, body, nil
}

// checkURL applies API_EmbedIgnoredHosts and API_EmbedSafePorts.
func (p *Previewer) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := strings.ToLower(u.Hostname())
	if ignoredHost(host, p.opts.Settings.String("API_EmbedIgnoredHosts")) {
		return fmt.Errorf("host is ignored: %s", host)
	}
	ports := strings.Split(strings.Join(strings.Fields(p.opts.Settings.String("API_EmbedSafePorts")), ""), ",")
	if len(ports) == 1 && ports[0] == "" {
		return nil // no list: any port (Rocket.Chat would refuse every URL)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
		// Rocket.Chat accepts a URL without a port when the list holds a
		// port of its scheme (80 or 8080 for http, 443 for https).
		for _, sp := range ports {
			if (sp == "80" || sp == "8080") && u.Scheme == "http" || sp == "443" && u.Scheme == "https" {
				return nil
			}
		}
		return fmt.Errorf("invalid/unsafe port %s", port)
	}
	for _, sp := range ports {
		if sp == port {
			return nil
		}
	}
	return fmt.Errorf("invalid/unsafe port %s", port)
}

var wildcardPattern = regexp.MustCompile(`(?i)^(?:\*\.)?(?:\*|[a-z0-9-]+)(?:\.(?:\*|[a-z0-9-]+))*$`)

// ignoredHost is Rocket.Chat's API_EmbedIgnoredHosts check: exact names,
// addresses and CIDR ranges, and wildcard names where * stands for one
// label.
func ignoredHost(host, setting string) bool {
	entries := strings.Split(strings.Join(strings.Fields(setting), ""), ",")
	ip, ipErr := netip.ParseAddr(host)
	for _, e := range entries {
		if e == "" {
			continue
		}
		if !strings.Contains(e, "*") {
			if strings.EqualFold(e, host) {
				return true
			}
			if ipErr == nil {
				if pfx, err := netip.ParsePrefix(e); err == nil && pfx.Contains(ip) {
					return true
				}
				if a, err := netip.ParseAddr(e); err == nil && a == ip {
					return true
				}
			}
			continue
		}
		if e == "*" || !wildcardPattern.MatchString(e) {
			continue
		}
		re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(e), `\*`, `[^.]*`) + "$"
		if ok, _ := regexp.MatchString(re, host); ok {
			return true
		}
	}
	return false
}

func parsedURL(raw string) *ParsedURL {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	protocol := u.Scheme + ":"
	pu := &ParsedURL{Protocol: &protocol, Host: str(u.Host), Hostname: str(u.Hostname()), Port: str(u.Port()), Pathname: str(u.EscapedPath())}
	if u.RawQuery != "" || u.ForceQuery {
		pu.Search, pu.Query = str("?"+u.RawQuery), str(u.RawQuery)
	}
	if u.Fragment != "" {
		pu.Hash = str("#" + u.EscapedFragment())
	}
	return pu
}
