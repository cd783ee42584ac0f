package commands

import (
	"strings"
	"testing"
)

// FuzzParse: a parsed command's name has no spaces or slash prefix issues
// and its parameters stay on the first line.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"/topic x", "/me a\nb", "/", "//x", "/a\u2028b", "x /y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		name, params, ok := Parse(text)
		if !ok {
			return
		}
		if name == "" || strings.IndexFunc(name, isJSSpace) >= 0 || strings.ContainsAny(params, "\n\r\u2028\u2029") {
			t.Fatalf("Parse(%q) = %q, %q", text, name, params)
		}
		if !strings.HasPrefix(text, "/"+name+params) {
			t.Fatalf("Parse(%q) = %q, %q: not a prefix", text, name, params)
		}
	})
}
