package importer

import (
	"crypto/sha256"
	"math/big"
)

// meteorAlphabet is Meteor's UNMISTAKABLE_CHARS, the alphabet of Random.id().
const meteorAlphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

// MeteorID derives a Meteor id (17 characters of Meteor's alphabet, as
// Rocket.Chat's and Liftoff's ids) from seed: the same seed gives the same
// id on every run, so an import of a source whose ids are not Meteor ids
// (Slack, CSV) stays idempotent.
func MeteorID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	n := new(big.Int).SetBytes(sum[:])
	base := big.NewInt(int64(len(meteorAlphabet)))
	out := make([]byte, 17)
	mod := new(big.Int)
	for i := range out {
		n.DivMod(n, base, mod)
		out[i] = meteorAlphabet[mod.Int64()]
	}
	return string(out)
}
