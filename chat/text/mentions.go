package text

import (
	"fmt"
	"iter"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultNamePattern is Rocket.Chat's default for UTF8_User_Names_Validation
// and UTF8_Channel_Names_Validation, and its fallback when a configured
// pattern does not compile.
const DefaultNamePattern = "[0-9a-zA-Z-_.]+"

// federatedPart is the charset Rocket.Chat allows after ':' in a mention of a
// federated (Matrix) user, @user:server.
const federatedPart = "[0-9a-zA-Z-_.]+"

// Parser finds mentions in message text. Rocket.Chat builds its mention
// regular expressions from the UTF8_User_Names_Validation setting; a Parser
// holds them compiled for one such pattern. It is safe for concurrent use.
//
// Rocket.Chat matches (^|\s|>)@name over the whole message. A Parser finds
// each '@' or '#' with a byte search, checks the character before it by hand
// and runs only the name expression, anchored, from there: the same matches
// at a fraction of the cost, since most text holds no '@' at all.
type Parser struct {
	user    *regexp.Regexp // anchored: name, name@server or name:server
	channel *regexp.Regexp // anchored: name or name@server
}

// NewParser returns a Parser for names matching pattern, a regular
// expression for one name (unanchored, as the setting stores it). An empty
// pattern means DefaultNamePattern. Patterns using JavaScript features that
// Go's RE2 lacks (look-around, back-references) are an error.
func NewParser(pattern string) (*Parser, error) {
	if pattern == "" {
		pattern = DefaultNamePattern
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, fmt.Errorf("text: name pattern %q: %w", pattern, err)
	}
	p := "(?:" + pattern + ")"
	// The shapes are Rocket.Chat's MentionsParser: @name, @name@server and
	// @name:server for users, #name and #name@server for channels.
	user, err := regexp.Compile(`^` + p + `(?:@` + p + `)?(?::` + federatedPart + `)?`)
	if err != nil {
		return nil, fmt.Errorf("text: user mention pattern: %w", err)
	}
	channel, err := regexp.Compile(`^` + p + `(?:@` + p + `)?`)
	if err != nil {
		return nil, fmt.Errorf("text: channel mention pattern: %w", err)
	}
	return &Parser{user: user, channel: channel}, nil
}

// defaultParser serves the package-level functions; it is never modified.
var defaultParser = mustParser(DefaultNamePattern)

func mustParser(pattern string) *Parser {
	p, err := NewParser(pattern)
	if err != nil {
		panic(err) // DefaultNamePattern is a constant that compiles
	}
	return p
}

// Mentions finds the user mentions in msg using DefaultNamePattern; see
// Parser.Mentions.
func Mentions(msg string) (usernames []string, all, here bool) {
	return defaultParser.Mentions(msg)
}

// Channels finds the channel mentions in msg using DefaultNamePattern; see
// Parser.Channels.
func Channels(msg string) []string { return defaultParser.Channels(msg) }

// Mentions returns the usernames mentioned in msg, without the '@', in order
// of first appearance and without repeats, and whether msg mentions @all and
// @here. Following Rocket.Chat:
//   - a mention starts after the start of a line, whitespace or '>', so
//     e-mail addresses are not mentions;
//   - @all and @here are reported by the flags, not as usernames;
//   - a federated mention @name@server is returned as "name@server", and a
//     Matrix-style @name:server keeps its '@' ("@name:server"), which is how
//     Rocket.Chat looks such users up.
//
// Unlike Rocket.Chat's regular expression, Mentions ignores mentions inside
// code (`inline` or ```blocks```), as Rocket.Chat's message parser does, and
// drops trailing dots, so "thanks @bob." mentions "bob".
func (p *Parser) Mentions(msg string) (usernames []string, all, here bool) {
	var seen map[string]bool
	for name := range scan(msg, '@', p.user) {
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
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[name] = true
			usernames = append(usernames, name)
		}
	}
	return usernames, all, here
}

// Channels returns the room names mentioned in msg as #name (or
// #name@server), without the '#', in order of first appearance and without
// repeats. Like Mentions, it skips code and drops trailing dots.
func (p *Parser) Channels(msg string) []string {
	var out []string
	var seen map[string]bool
	for name := range scan(msg, '#', p.channel) {
		if seen[name] {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

// scan yields, in order, the names that follow sigil in msg where a mention
// may start and outside code, with trailing dots removed. It skips empty
// names. name must be anchored at the start.
func scan(msg string, sigil byte, name *regexp.Regexp) iter.Seq[string] {
	return func(yield func(string) bool) {
		if strings.IndexByte(msg, sigil) < 0 {
			return
		}
		code := codeSpans(msg)
		end := 0 // where the previous match ended; a match cannot reuse its text
		for i := 0; i < len(msg); {
			k := strings.IndexByte(msg[i:], sigil)
			if k < 0 {
				return
			}
			at := i + k
			i = at + 1
			if !leads(msg, at, end) || code.contains(at) {
				continue
			}
			m := name.FindStringIndex(msg[at+1:])
			if m == nil || m[1] == 0 {
				continue
			}
			end = at + 1 + m[1]
			i = end
			if n := strings.TrimRight(msg[at+1:end], "."); n != "" {
				if !yield(n) {
					return
				}
			}
		}
	}
}

// leads reports whether a mention may start with the sigil at msg[at]: at the
// start of a line, or after whitespace (JavaScript's \s, which includes
// Unicode spaces) or '>' that no earlier match consumed. So the '@' inside an
// e-mail address such as a@b.c never starts a mention.
func leads(msg string, at, end int) bool {
	if at == 0 || msg[at-1] == '\n' {
		return true
	}
	if at-1 < end {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(msg[:at])
	switch r {
	case '\t', '\v', '\f', '\r', ' ', '>', '\ufeff':
		return true
	}
	return unicode.Is(unicode.Z, r)
}

// spans are the byte ranges [start, end) of code in a message, in order.
type spans [][2]int

// contains reports whether byte offset i lies inside one of the spans.
func (s spans) contains(i int) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case i < s[mid][0]:
			hi = mid
		case i >= s[mid][1]:
			lo = mid + 1
		default:
			return true
		}
	}
	return false
}

// codeSpans finds code in msg the way Markdown does: a run of n backticks
// opens code that the next run of exactly n backticks closes (``` fences are
// the n = 3 case); a run with no matching close is plain text. It runs in
// linear time, however many unmatched runs the text holds.
func codeSpans(msg string) spans {
	if strings.IndexByte(msg, '`') < 0 {
		return nil
	}
	type run struct{ start, n int }
	var runs []run
	for i := 0; i < len(msg); {
		if msg[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(msg) && msg[j] == '`' {
			j++
		}
		runs = append(runs, run{i, j - i})
		i = j
	}
	// For each run length, the indexes of the runs of that length, and a
	// cursor that only moves forward.
	byLen := map[int][]int{}
	for k, r := range runs {
		byLen[r.n] = append(byLen[r.n], k)
	}
	cursor := map[int]int{}
	var out spans
	for k := 0; k < len(runs); k++ {
		n := runs[k].n
		list, c := byLen[n], cursor[n]
		for c < len(list) && list[c] <= k {
			c++
		}
		cursor[n] = c
		if c == len(list) {
			continue // no closing run: literal backticks
		}
		closing := list[c]
		out = append(out, [2]int{runs[k].start, runs[closing].start + n})
		k = closing
	}
	return out
}
