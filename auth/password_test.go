package auth

import (
	"encoding/base64"
	"fmt"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestCheckDigestBcryptAndArgon2(t *testing.T) {
	h, err := HashPassword("s3cret", 4)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("saltsaltsaltsalt")
	phc := func(password string) string {
		key := argon2.IDKey([]byte(Digest(password)), salt, 2, 19456, 1, 32)
		return fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$%s$%s", base64.RawStdEncoding.EncodeToString(salt),
			base64.RawStdEncoding.EncodeToString(key))
	}
	argon := phc("s3cret")
	for _, c := range []struct {
		hash, digest string
		ok           bool
	}{
		{h, Digest("s3cret"), true},
		{h, Digest("other"), false},
		{argon, Digest("s3cret"), true},
		{argon, Digest("other"), false},
		{"$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Digest("s3cret"), false}, // argon2i: not Meteor's
		{"$argon2id$v=19$m=0,t=2,p=1$c2FsdA$aGFzaA", Digest("s3cret"), false},
		{"$argon2id$v=19$garbage", Digest("s3cret"), false},
		{"", Digest("s3cret"), false},
	} {
		if got := CheckDigest(c.hash, c.digest); got != c.ok {
			t.Errorf("CheckDigest(%.30s…) = %v, want %v", c.hash, got, c.ok)
		}
	}
}
