package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
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
	digest = strings.ToLower(digest)
	if strings.HasPrefix(hash, "$argon2") {
		return checkArgon2(hash, digest)
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(digest)) == nil
}

// checkArgon2 verifies an argon2id hash in the PHC string form
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash, base64 without padding):
// what Meteor 3's accounts-password stores in services.password.argon2 when
// Rocket.Chat is set to argon2, of the same SHA-256 hex digest. Imported
// users keep such passwords; new ones are bcrypt.
func checkArgon2(hash, digest string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(digest), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
