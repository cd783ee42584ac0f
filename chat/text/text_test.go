package text

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// rcUserMention is Rocket.Chat's user mention expression for the default
// pattern, written for Go with JavaScript's \s spelled out. The scanner in
// Parser must find the same mentions wherever no code is involved.
var rcUserMention = regexp.MustCompile(`(?m)(?:^|[\t\n\v\f\r \p{Z}\x{feff}>])@(` +
	DefaultNamePattern + `(?:@` + DefaultNamePattern + `)?(?::[0-9a-zA-Z-_.]+)?)`)

// reference applies rcUserMention and then Mentions' documented clean-up.
func reference(msg string) (users []string, all, here bool) {
	seen := map[string]bool{}
	for _, m := range rcUserMention.FindAllStringSubmatch(msg, -1) {
		name := strings.TrimRight(m[1], ".")
		switch {
		case name == "":
			continue
		case name == "all":
			all = true
			continue
		case name == "here":
			here = true
			continue
		case strings.Contains(name, ":"):
			name = "@" + name
		}
		if !seen[name] {
			seen[name] = true
			users = append(users, name)
		}
	}
	return users, all, here
}

func TestMentions(t *testing.T) {
	tests := []struct {
		msg       string
		users     []string
		all, here bool
	}{
		{"hello", nil, false, false},
		{"@bob hi", []string{"bob"}, false, false},
		{"hi @bob and @alice", []string{"bob", "alice"}, false, false},
		{"@bob @bob @alice @bob", []string{"bob", "alice"}, false, false},
		{"@all look", nil, true, false},
		{"hey @here", nil, false, true},
		{"@all @here @bob", []string{"bob"}, true, true},
		{"@allison", []string{"allison"}, false, false},
		{"mail me at bob@example.com", nil, false, false},
		{"a@b.c", nil, false, false},
		{"thanks @bob.", []string{"bob"}, false, false},
		{"thanks @bob, see you", []string{"bob"}, false, false},
		{"(@bob)", nil, false, false}, // '(' is not a mention lead, as in Rocket.Chat
		{"@bob! @carol? @dave:", []string{"bob", "carol", "dave"}, false, false},
		{"ask @john.doe about it", []string{"john.doe"}, false, false},
		{"@first-name_last", []string{"first-name_last"}, false, false},
		{"line one\n@bob", []string{"bob"}, false, false},
		{"> @quoted", []string{"quoted"}, false, false},
		{"<b>@tag</b>", []string{"tag"}, false, false}, // '>' leads, as in Rocket.Chat
		{"x>@tag", []string{"tag"}, false, false},
		{"@bob@remote.org hi", []string{"bob@remote.org"}, false, false},
		{"@bob:matrix.org hi", []string{"@bob:matrix.org"}, false, false},
		{"@bob\u00a0@carol", []string{"bob", "carol"}, false, false},
		{"@bob\t@carol", []string{"bob", "carol"}, false, false},
		{"@@bob", nil, false, false},
		{"@ bob", nil, false, false},
		{"@. @..", nil, false, false},
		{"`@bob`", nil, false, false},
		{"see `code @bob` and @carol", []string{"carol"}, false, false},
		{"```\n@all\n@bob\n```\n@carol", []string{"carol"}, false, false},
		{"``a ` @bob``", nil, false, false},
		{"unclosed ` @bob", []string{"bob"}, false, false},
		{"` @a ` @b ` @c `", []string{"b"}, false, false},
		{"`x`@bob", nil, false, false},
		{"@bob's idea", []string{"bob"}, false, false},
		// 'é' is outside the default charset, so the name stops before it,
		// exactly as Rocket.Chat's regular expression does.
		{"@José", []string{"Jos"}, false, false},
	}
	for _, tt := range tests {
		users, all, here := Mentions(tt.msg)
		if !reflect.DeepEqual(users, tt.users) || all != tt.all || here != tt.here {
			t.Errorf("Mentions(%q) = %v, %v, %v; want %v, %v, %v", tt.msg, users, all, here, tt.users, tt.all, tt.here)
		}
		if !strings.Contains(tt.msg, "`") {
			ru, ra, rh := reference(tt.msg)
			if !reflect.DeepEqual(users, ru) || all != ra || here != rh {
				t.Errorf("Mentions(%q) = %v, %v, %v; Rocket.Chat's expression gives %v, %v, %v", tt.msg, users, all, here, ru, ra, rh)
			}
		}
	}
}

func TestParserCustomPattern(t *testing.T) {
	p, err := NewParser(`[0-9a-zA-Z-_.\p{L}]+`)
	if err != nil {
		t.Fatal(err)
	}
	users, _, _ := p.Mentions("hola @José y @Zoë.")
	if !reflect.DeepEqual(users, []string{"José", "Zoë"}) {
		t.Errorf("unicode mentions = %v", users)
	}
	if got := p.Channels("#café-général"); !reflect.DeepEqual(got, []string{"café-général"}) {
		t.Errorf("unicode channel = %v", got)
	}
	if _, err := NewParser(`(?=x)`); err == nil {
		t.Error("look-ahead pattern accepted")
	}
	if p, err := NewParser(""); err != nil || p == nil {
		t.Errorf("empty pattern: %v", err)
	}
	// An alternation stays inside the name group.
	p, err = NewParser(`a|b`)
	if err != nil {
		t.Fatal(err)
	}
	if users, _, _ := p.Mentions("@a @b @c"); !reflect.DeepEqual(users, []string{"a", "b"}) {
		t.Errorf("alternation pattern mentions = %v", users)
	}
}

func TestChannels(t *testing.T) {
	tests := []struct {
		msg  string
		want []string
	}{
		{"no channels", nil},
		{"join #general", []string{"general"}},
		{"#general and #random and #general", []string{"general", "random"}},
		{"see #dev.", []string{"dev"}},
		{"issue#42", nil},
		{"http://example.com/#anchor", nil},
		{"`#general`", nil},
		{"#room@remote.org", []string{"room@remote.org"}},
		{"# spaced", nil},
		{"#general,#random", []string{"general"}},
	}
	for _, tt := range tests {
		if got := Channels(tt.msg); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Channels(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

func TestCodeSpans(t *testing.T) {
	tests := []struct {
		msg  string
		want spans
	}{
		{"plain", nil},
		{"`a`", spans{{0, 3}}},
		{"x `a` y `b`", spans{{2, 5}, {8, 11}}},
		{"```go\nx\n```", spans{{0, 11}}},
		{"`` a ` b ``", spans{{0, 11}}},
		{"` `` `", spans{{0, 6}}},
		{"``` x", nil},
		{"`` x ` y", nil},
	}
	for _, tt := range tests {
		if got := codeSpans(tt.msg); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("codeSpans(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
	// Many unmatched runs of growing length must not be quadratic.
	var b strings.Builder
	for i := 1; i < 400; i++ {
		b.WriteString(strings.Repeat("`", i))
		b.WriteString(" @x ")
	}
	if users, _, _ := Mentions(b.String()); !reflect.DeepEqual(users, []string{"x"}) {
		t.Errorf("mentions among unmatched runs = %v", users)
	}
}

func TestValidNames(t *testing.T) {
	tests := []struct {
		name, pattern string
		want          bool
	}{
		{"bob", "", true},
		{"john.doe", DefaultNamePattern, true},
		{"first-last_2", DefaultNamePattern, true},
		{"", DefaultNamePattern, false},
		{"with space", DefaultNamePattern, false},
		{"josé", DefaultNamePattern, false},
		{"bob\n", DefaultNamePattern, false},
		{"josé", `[0-9a-zA-Z-_.\p{L}]+`, true},
		{"ab", `[a-z]{3,}`, false},
		{"abc", `[a-z]{3,}`, true},
		{"ab", `a|ab`, true}, // anchored as a group, not ^a|ab$
		{"xab", `a|ab`, false},
		{"bob", `(?=bob)bob`, true},  // invalid in RE2: falls back to the default
		{"b b", `(?=bob)bob`, false}, // ...which rejects spaces
		{"bob", `[`, true},
	}
	for _, tt := range tests {
		if got := ValidUsername(tt.name, tt.pattern); got != tt.want {
			t.Errorf("ValidUsername(%q, %q) = %v, want %v", tt.name, tt.pattern, got, tt.want)
		}
		if got := ValidRoomName(tt.name, tt.pattern); got != tt.want {
			t.Errorf("ValidRoomName(%q, %q) = %v, want %v", tt.name, tt.pattern, got, tt.want)
		}
	}
	// The cache stays bounded and correct past its limit.
	for i := 0; i < 3*maxCachedPatterns; i++ {
		p := "[a-z]{1," + strings.Repeat("9", 1+i%3) + "}" + strings.Repeat("x?", i)
		if !ValidUsername("abc", p) {
			t.Fatalf("pattern %q rejected abc", p)
		}
	}
	patternCache.RLock()
	n := len(patternCache.m)
	patternCache.RUnlock()
	if n > maxCachedPatterns {
		t.Errorf("pattern cache holds %d entries", n)
	}
}

func TestBlocked(t *testing.T) {
	list := "admin,administrator,system,user"
	for name, want := range map[string]bool{
		"admin": true, "Admin": true, "SYSTEM": true, "user": true,
		"users": false, "general": false, "": false,
	} {
		if got := Blocked(name, list); got != want {
			t.Errorf("Blocked(%q) = %v, want %v", name, got, want)
		}
	}
	if !Blocked("root", "admin, root") || Blocked("x", "") {
		t.Error("Blocked with spaces or empty list")
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"general":          "general",
		"My Room":          "My-Room",
		"Café & Co.":       "Cafe-Co",
		"  spaced   out  ": "spaced-out",
		"snake_case name":  "snake_case-name",
		"Straße":           "Strasse",
		"Ærøskøbing":       "AEroskobing",
		"日本語 チャット":         "日本語-チャット",
		"e\u0301te\u0301":  "ete",
		"!!!":              "",
		"a--b":             "a-b",
		"room #1 (test)":   "room-1-test",
	}
	for in, want := range tests {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzMentions(f *testing.F) {
	for _, s := range []string{
		"@bob hi", "@all @here", "a@b.c", "`@x` @y", "```\n@z\n```", "@a:b.c",
		"@bob@host #chan", "``", "@", "#", "> @q", "\u00a0@u",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		users, _, _ := Mentions(msg)
		seen := map[string]bool{}
		for _, u := range users {
			if u == "" || u == "all" || u == "here" {
				t.Fatalf("Mentions(%q) returned %q", msg, u)
			}
			if seen[u] {
				t.Fatalf("Mentions(%q) repeated %q", msg, u)
			}
			seen[u] = true
			if strings.HasSuffix(u, ".") {
				t.Fatalf("Mentions(%q) kept a trailing dot: %q", msg, u)
			}
			name := strings.TrimPrefix(u, "@")
			if !strings.Contains(msg, name) {
				t.Fatalf("Mentions(%q) invented %q", msg, u)
			}
		}
		for _, c := range Channels(msg) {
			if c == "" || !strings.Contains(msg, "#"+c) {
				t.Fatalf("Channels(%q) returned %q", msg, c)
			}
		}
		if !strings.Contains(msg, "@") && len(users) > 0 {
			t.Fatalf("Mentions(%q) = %v without any '@'", msg, users)
		}
		// Without code, the scanner must agree with Rocket.Chat's expression.
		if !strings.Contains(msg, "`") {
			ru, ra, rh := reference(msg)
			if u, a, h := Mentions(msg); !reflect.DeepEqual(u, ru) || a != ra || h != rh {
				t.Fatalf("Mentions(%q) = %v, %v, %v; Rocket.Chat's expression gives %v, %v, %v", msg, u, a, h, ru, ra, rh)
			}
		}
	})
}

func BenchmarkMentions(b *testing.B) {
	msg := "hey @alice and @bob, check `@notme` in #general — thanks @carol. cc @here"
	b.ReportAllocs()
	for b.Loop() {
		Mentions(msg)
	}
}
