package avatar

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// palette holds background colours that keep white text readable. The
// colour of a name is fixed by a hash of the name, so it never changes
// between requests or servers.
var palette = [...]string{
	"#F44336", "#E91E63", "#9C27B0", "#673AB7", "#3F51B5", "#2196F3",
	"#03A9F4", "#00BCD4", "#009688", "#4CAF50", "#8BC34A", "#CDDC39",
	"#FFC107", "#FF9800", "#FF5722", "#795548", "#9E9E9E", "#607D8B",
}

// Size bounds of a generated avatar, in pixels.
const (
	DefaultSize = 200
	MinSize     = 16
	MaxSize     = 1024
)

// Color returns the background colour for name, as "#RRGGBB".
func Color(name string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strings.ToLower(name)))
	return palette[h.Sum32()%uint32(len(palette))]
}

// Initials returns up to two upper-case letters for name: the first letters
// of its first two words (words are split on spaces, dots, dashes and
// underscores), or the first letter alone for a single word. It returns "?"
// when name holds no letter or digit.
func Initials(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' || r == '@' || r == '#'
	})
	var out []rune
	for _, w := range words {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// ClampSize returns size bounded to [MinSize, MaxSize]; 0 gives DefaultSize.
func ClampSize(size int) int {
	switch {
	case size == 0:
		return DefaultSize
	case size < MinSize:
		return MinSize
	case size > MaxSize:
		return MaxSize
	}
	return size
}

// SVG renders the avatar of name at size pixels (clamped with ClampSize).
func SVG(name string, size int) []byte {
	size = ClampSize(size)
	initials := Initials(name)
	// Two letters need a smaller font to fit the square.
	font := size * 56 / 100
	if utf8.RuneCountInString(initials) > 1 {
		font = size * 44 / 100
	}
	s := strconv.Itoa(size)
	var b strings.Builder
	b.Grow(400)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="`)
	b.WriteString(s)
	b.WriteString(`" height="`)
	b.WriteString(s)
	b.WriteString(`" viewBox="0 0 `)
	b.WriteString(s + " " + s)
	b.WriteString(`"><rect width="100%" height="100%" fill="`)
	b.WriteString(Color(name))
	b.WriteString(`"/><text x="50%" y="50%" dy="0.36em" text-anchor="middle" pointer-events="none" fill="#ffffff" font-family="Helvetica, Arial, Lucida Grande, sans-serif" font-size="`)
	b.WriteString(strconv.Itoa(font))
	b.WriteString(`">`)
	b.WriteString(escape(initials))
	b.WriteString(`</text></svg>`)
	return []byte(b.String())
}

// ETag returns a strong entity tag (quoted) for the bytes of an avatar.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// escape makes s safe as XML text. Initials are letters and digits, but
// unicode.IsLetter admits more than ASCII, so escape anyway.
func escape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	return r.Replace(s)
}
