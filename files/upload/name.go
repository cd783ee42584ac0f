package upload

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest name SanitizeName returns, in bytes: what
// common file systems accept, should a user save the file.
const MaxNameLen = 255

// SanitizeName makes a client's file name safe to store, show and offer for
// download, keeping it as close to what the user chose as Rocket.Chat
// does (unicode, spaces and punctuation stay):
//   - only the last path element is kept ("../../etc/passwd" is "passwd",
//     "C:\Users\x\a.txt" is "a.txt");
//   - invalid UTF-8, control characters and the invisible characters that
//     reorder text (bidirectional overrides, which can disguise
//     "cod.exe" as "exe.doc") are removed;
//   - surrounding spaces are trimmed; "", "." and ".." become "file";
//   - a name longer than MaxNameLen bytes is cut at a character boundary,
//     keeping its extension.
//
// The name is never used as a storage path (keys are ids), so this is
// about what users see and save, not about the server's file system.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isReordering(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	if len(name) > MaxNameLen {
		ext := path.Ext(name)
		if len(ext) > 32 || len(ext) == len(name) {
			ext = ""
		}
		base := truncate(name[:len(name)-len(ext)], MaxNameLen-len(ext))
		name = strings.TrimSpace(base) + ext
	}
	return name
}

// isReordering reports the format characters that change the visual order
// of text or hide in it: bidirectional marks, embeddings, overrides and
// isolates, and the byte order mark. Zero-width joiners stay: emoji
// sequences and several scripts need them.
func isReordering(r rune) bool {
	switch {
	case r == '\u200e' || r == '\u200f' || r == '\u061c': // LRM, RLM, ALM
		return true
	case r >= '\u202a' && r <= '\u202e': // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= '\u2066' && r <= '\u2069': // LRI, RLI, FSI, PDI
		return true
	case r == '\ufeff':
		return true
	}
	return false
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
