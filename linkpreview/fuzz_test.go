package linkpreview

import (
	"testing"
	"unicode/utf8"
)

// FuzzPageMeta: any bytes under any content type parse without panic into
// non-empty, valid UTF-8 keys.
func FuzzPageMeta(f *testing.F) {
	f.Add([]byte(article), "text/html; charset=utf-8")
	f.Add([]byte("<meta charset=iso-8859-1><title>Caf\xe9</title>"), "text/html")
	f.Add([]byte("<meta property='og:title' content='x"), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		meta, _ := pageMeta(body, contentType)
		for k := range meta {
			if k == "" || !utf8.ValidString(k) {
				t.Fatalf("key %q", k)
			}
		}
	})
}
