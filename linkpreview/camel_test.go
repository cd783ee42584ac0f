package linkpreview

import "testing"

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{
		"og:title":                "ogTitle",
		"og:image:width":          "ogImageWidth",
		"twitter:image:src":       "twitterImageSrc",
		"fb:app_id":               "fbAppId",
		"msapplication-TileColor": "msapplicationTileColor",
		"description":             "description",
		"OG:TITLE":                "ogTitle",
		"content-type":            "contentType",
		"X-Frame-Options":         "xFrameOptions",
		"oembed_thumbnail_url":    "oembedThumbnailUrl",
		"oembed_html":             "oembedHtml",
		"pageTitle":               "pageTitle",
		"XMLHttpRequest":          "xmlHttpRequest",
		"og:video:1":              "ogVideo1",
		"h1title":                 "h1Title",
		"":                        "",
	} {
		if got := camelCase(in); got != want {
			t.Errorf("camelCase(%q) = %q, want %q", in, got, want)
		}
	}
}
