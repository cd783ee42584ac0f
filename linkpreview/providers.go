package linkpreview

import (
	"net/url"
	"regexp"
)

// Provider is an oEmbed provider: pages whose URL matches are described by
// the provider's endpoint instead of their HTML.
type Provider struct {
	URLs     []*regexp.Regexp
	Endpoint string // the oEmbed endpoint; the page URL is added as ?url=
	// Headers override request headers ("{UA}" in a value stands for the
	// usual User-Agent).
	Headers map[string]string
}

// DefaultProviders are Rocket.Chat's.
var DefaultProviders = []Provider{
	{URLs: res(`https?://soundcloud\.com/\S+`), Endpoint: "https://soundcloud.com/oembed?format=json&maxheight=150"},
	{URLs: res(`https?://vimeo\.com/[^/]+`, `https?://vimeo\.com/channels/[^/]+/[^/]+`, `https://vimeo\.com/groups/[^/]+/videos/[^/]+`), Endpoint: "https://vimeo.com/api/oembed.json?maxheight=200"},
	{URLs: res(`https?://www\.youtube\.com/\S+`, `https?://youtu\.be/\S+`), Endpoint: "https://www.youtube.com/oembed?maxheight=200"},
	{URLs: res(`https?://www\.rdio\.com/\S+`, `https?://rd\.io/\S+`), Endpoint: "https://www.rdio.com/api/oembed/?format=json&maxheight=150"},
	{URLs: res(`https?://www\.slideshare\.net/[^/]+/[^/]+`), Endpoint: "https://www.slideshare.net/api/oembed/2?format=json&maxheight=200"},
	{URLs: res(`https?://www\.dailymotion\.com/video/\S+`), Endpoint: "https://www.dailymotion.com/services/oembed?maxheight=200"},
	{URLs: res(`https?://(twitter|x)\.com/[^/]+/status/\S+`), Headers: map[string]string{"User-Agent": "{UA} Googlebot/2.1"}},
	{URLs: res(`https?://(play|open)\.spotify\.com/(track|album|playlist|show)/\S+`), Endpoint: "https://open.spotify.com/oembed"},
	{URLs: res(`https?://www\.loom\.com/\S+`), Endpoint: "https://www.loom.com/v1/oembed?format=json"},
}

func res(patterns ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		out[i] = regexp.MustCompile(p)
	}
	return out
}

func providerFor(list []Provider, u string) *Provider {
	for i := range list {
		for _, re := range list[i].URLs {
			if re.MatchString(u) {
				return &list[i]
			}
		}
	}
	return nil
}

// consumerURL is the provider endpoint asked about page u.
func (p *Provider) consumerURL(u string) (string, bool) {
	if p.Endpoint == "" {
		return "", false
	}
	e, err := url.Parse(p.Endpoint)
	if err != nil {
		return "", false
	}
	q := e.Query()
	q.Set("url", u)
	e.RawQuery = q.Encode()
	return e.String(), true
}
