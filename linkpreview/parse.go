package linkpreview

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// pageMeta reads a page's title (as pageTitle) and its <meta> tags named
// by name or property (keys in camel case); the first non-empty value of a
// key wins. It also returns the page's oEmbed discovery link, if any.
func pageMeta(body []byte, contentType string) (meta map[string]string, oembedLink string) {
	meta = map[string]string{}
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		r = bytes.NewReader(body)
	}
	z := html.NewTokenizer(r)
	set := func(k, v string) {
		if k != "" && meta[k] == "" {
			meta[k] = v
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return meta, oembedLink
			}
			return meta, oembedLink
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "title":
				if tt == html.StartTagToken && z.Next() == html.TextToken {
					set("pageTitle", string(z.Text()))
				}
			case "meta":
				attrs := readAttrs(z, hasAttr)
				key := attrs["property"]
				if key == "" {
					key = attrs["name"]
				}
				if content, ok := attrs["content"]; ok && key != "" {
					set(camelCase(key), content)
				}
			case "link":
				attrs := readAttrs(z, hasAttr)
				if oembedLink == "" && strings.EqualFold(attrs["type"], "application/json+oembed") && hasToken(attrs["rel"], "alternate") {
					oembedLink = attrs["href"]
				}
			}
		}
	}
}

func readAttrs(z *html.Tokenizer, more bool) map[string]string {
	attrs := map[string]string{}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		attrs[strings.ToLower(string(k))] = string(v)
	}
	return attrs
}

func hasToken(list, token string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}
