package model

import (
	"crypto/rand"
)

// idAlphabet is Meteor's Random.id alphabet, which Rocket.Chat uses for ids.
const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

// IDLength is the length of ids made by NewID.
const IDLength = 17

// NewID returns a random 17-character id from Meteor's alphabet.
func NewID() string { return RandomString(IDLength) }

// RandomString returns n random characters from Meteor's id alphabet.
func RandomString(n int) string {
	// 256 is not a multiple of 55, so reject bytes past the largest multiple
	// to keep every character equally likely.
	const limit = 255 - 255%len(idAlphabet)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

// ValidID reports whether s looks like an id a client may choose for a new
// record: 1 to 64 characters of letters, digits, '-' or '_'.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
