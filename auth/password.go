package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is Rocket.Chat's default (Accounts_bcrypt_rounds).
const DefaultBcryptCost = 10

// Digest returns the lowercase hex SHA-256 of a plain password: what
// Rocket.Chat's clients send as password.digest and what the bcrypt hash covers.
func Digest(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

// HashPassword returns the bcrypt hash of the password's SHA-256 digest.
func HashPassword(password string, cost int) (string, error) {
	return HashDigest(Digest(password), cost)
}

// HashDigest returns the bcrypt hash of an already computed hex digest.
func HashDigest(digest string, cost int) (string, error) {
	if cost == 0 {
		cost = DefaultBcryptCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(strings.ToLower(digest)), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// CheckDigest reports whether digest (hex SHA-256 of the password) matches hash.
func CheckDigest(hash, digest string) bool {
	if hash == "" || digest == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(strings.ToLower(digest))) == nil
}
