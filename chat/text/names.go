package text

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// ValidUsername reports whether name is a valid username under pattern, the
// value of UTF8_User_Names_Validation: name must match the whole pattern, as
// Rocket.Chat tests it against ^pattern$. An empty pattern, or one that does
// not compile as a Go regular expression, falls back to DefaultNamePattern,
// as Rocket.Chat falls back when its pattern is invalid. Rocket.Chat puts no
// length limit on usernames beyond what the pattern says.
func ValidUsername(name, pattern string) bool {
	return name != "" && !PathDots(name) && anchored(pattern).MatchString(name)
}

// PathDots reports whether name is "." or "..": Rocket.Chat's default
// patterns allow them, but as a path segment of a client URL
// (/channel/.., /direct/.) they name another page. Liftoff refuses them
// as user and room names.
func PathDots(name string) bool { return name == "." || name == ".." }

// ValidRoomName reports whether name is a valid room name under pattern, the
// value of UTF8_Channel_Names_Validation, with the same rules as
// ValidUsername. Rocket.Chat additionally refuses the names in
// Accounts_SystemBlockedUsernameList; see Blocked.
func ValidRoomName(name, pattern string) bool {
	return name != "" && !PathDots(name) && anchored(pattern).MatchString(name)
}

// Blocked reports whether name is in list, a comma-separated list such as
// Accounts_SystemBlockedUsernameList ("admin,administrator,system,user").
// The comparison ignores case and the spaces around list items.
func Blocked(name, list string) bool {
	lower := strings.ToLower(name)
	for item := range strings.SplitSeq(list, ",") {
		if item = strings.TrimSpace(item); item != "" && strings.ToLower(item) == lower {
			return true
		}
	}
	return false
}

// maxCachedPatterns bounds the pattern cache; in practice there are two
// patterns (the user and the channel setting) plus the odd changed value.
const maxCachedPatterns = 32

// patternCache memoises compiled, anchored patterns. It is a pure cache:
// what it holds never changes a result, only saves recompiling.
var patternCache struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}

var anchoredDefault = regexp.MustCompile(`^(?:` + DefaultNamePattern + `)$`)

// anchored returns ^(?:pattern)$ compiled, or the default when pattern is
// empty or invalid. The group keeps an alternation in the pattern inside
// the anchors.
func anchored(pattern string) *regexp.Regexp {
	if pattern == "" || pattern == DefaultNamePattern {
		return anchoredDefault
	}
	patternCache.RLock()
	re, ok := patternCache.m[pattern]
	patternCache.RUnlock()
	if ok {
		return re
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		re = anchoredDefault
	}
	patternCache.Lock()
	if patternCache.m == nil || len(patternCache.m) >= maxCachedPatterns {
		patternCache.m = make(map[string]*regexp.Regexp)
	}
	patternCache.m[pattern] = re
	patternCache.Unlock()
	return re
}

// Slug turns a display name into a room name, as Rocket.Chat does (with the
// limax library, keeping case) when UI_Allow_room_names_with_special_chars is
// on: accented Latin letters lose their accents, letters and digits of any
// script stay, '_' stays, and every other run of characters becomes a single
// '-', with none at either end. "Café & Co." becomes "Cafe-Co".
//
// Unlike limax, Slug does not transliterate non-Latin scripts (limax spells
// Chinese in pinyin, for example); it keeps those letters as they are.
func Slug(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	dash := false
	for _, r := range name {
		if r == utf8.RuneError {
			continue
		}
		if t, ok := latin[r]; ok {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteString(t)
			continue
		}
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent: drop it, keep the word together
		}
		dash = true
	}
	return b.String()
}

// latin maps accented and special Latin letters to plain ASCII.
var latin = func() map[rune]string {
	m := map[rune]string{}
	add := func(from, to string) {
		for _, r := range from {
			m[r] = to
		}
	}
	add("ÀÁÂÃÄÅĀĂĄ", "A")
	add("àáâãäåāăą", "a")
	add("ÇĆĈĊČ", "C")
	add("çćĉċč", "c")
	add("ĎĐÐ", "D")
	add("ďđð", "d")
	add("ÈÉÊËĒĔĖĘĚ", "E")
	add("èéêëēĕėęě", "e")
	add("ĜĞĠĢ", "G")
	add("ĝğġģ", "g")
	add("ĤĦ", "H")
	add("ĥħ", "h")
	add("ÌÍÎÏĨĪĬĮİ", "I")
	add("ìíîïĩīĭįı", "i")
	add("Ĵ", "J")
	add("ĵ", "j")
	add("Ķ", "K")
	add("ķ", "k")
	add("ĹĻĽĿŁ", "L")
	add("ĺļľŀł", "l")
	add("ÑŃŅŇ", "N")
	add("ñńņň", "n")
	add("ÒÓÔÕÖØŌŎŐ", "O")
	add("òóôõöøōŏő", "o")
	add("ŔŖŘ", "R")
	add("ŕŗř", "r")
	add("ŚŜŞŠȘ", "S")
	add("śŝşšș", "s")
	add("ŢŤŦȚ", "T")
	add("ţťŧț", "t")
	add("ÙÚÛÜŨŪŬŮŰŲ", "U")
	add("ùúûüũūŭůűų", "u")
	add("Ŵ", "W")
	add("ŵ", "w")
	add("ÝŶŸ", "Y")
	add("ýÿŷ", "y")
	add("ŹŻŽ", "Z")
	add("źżž", "z")
	add("Æ", "AE")
	add("æ", "ae")
	add("Œ", "OE")
	add("œ", "oe")
	add("ß", "ss")
	add("Þ", "TH")
	add("þ", "th")
	return m
}()
