package files

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Key rules. A key is a slash-separated path of one or more segments, the
// same on every backend, so that a store can move between backends:
//   - valid UTF-8, at most MaxKeyLen bytes, each segment at most
//     MaxSegmentLen bytes (the file-name limit of common file systems);
//   - no empty segment (no leading, trailing or doubled "/"), no "." or
//     ".." segment, no backslash, no control character;
//   - not under TempPrefix, which the backends keep for themselves.
//
// Keys are chosen by the server (upload ids, never user file names), so the
// rules are strict rather than clever.
const (
	MaxKeyLen     = 900 // leaves room for PendingPrefix within S3's 1024-byte limit
	MaxSegmentLen = 255

	// ReservedPrefix holds this package's own bookkeeping. Endpoint code
	// should keep its keys under its own prefixes ("uploads/", "avatars/")
	// and list those, not the whole store.
	ReservedPrefix = ".liftoff/"
	// PendingPrefix holds the markers of StagePut (see pending.go).
	PendingPrefix = ReservedPrefix + "pending/"
	// TempPrefix is where the disk and WebDAV backends write a blob before
	// moving it into place. It is never a valid key and List skips it.
	TempPrefix = ReservedPrefix + "tmp/"
)

// ValidateKey reports whether key follows the key rules, wrapping
// ErrInvalidKey with the reason when it does not.
func ValidateKey(key string) error {
	if err := validateKey(key); err != nil {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, err)
	}
	return nil
}

type keyError string

func (e keyError) Error() string { return string(e) }

func validateKey(key string) error {
	switch {
	case key == "":
		return keyError("empty")
	case len(key) > MaxKeyLen:
		return keyError("too long")
	case !utf8.ValidString(key):
		return keyError("not valid UTF-8")
	case strings.HasPrefix(key, TempPrefix):
		return keyError("reserved for temporary files")
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return keyError("empty segment")
		case seg == "." || seg == "..":
			return keyError("dot segment")
		case len(seg) > MaxSegmentLen:
			return keyError("segment too long")
		}
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\\' {
			return keyError("control character or backslash")
		}
	}
	return nil
}

// ValidatePrefix checks a List prefix: "" (everything) or a string that
// could begin a valid key.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if !utf8.ValidString(prefix) || len(prefix) > MaxKeyLen || strings.HasPrefix(prefix, "/") ||
		strings.Contains(prefix, "//") || strings.ContainsAny(prefix, "\\\x00") {
		return fmt.Errorf("%w: bad list prefix %q", ErrInvalidKey, prefix)
	}
	return nil
}
