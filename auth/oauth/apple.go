package oauth

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// appleSecret caches Apple's client secret, a JWT that stays valid for
// days; a fresh one is signed when the cached one nears its end.
type appleSecret struct {
	value   string
	expires time.Time
}

// appleSecretLifetime is how long a signed client secret is used (Apple
// accepts up to six months).
const appleSecretLifetime = 24 * time.Hour

// appleClientSecret signs the client secret Sign in with Apple expects:
// an ES256 JWT from the team (iss) for the service id (sub) to Apple (aud),
// with the key id in its header.
func (f *Flow) appleClientSecret() (string, error) {
	now := f.opts.Now()
	f.appleMu.Lock()
	defer f.appleMu.Unlock()
	if f.apple.value != "" && now.Before(f.apple.expires.Add(-time.Hour)) {
		return f.apple.value, nil
	}
	v, err := signAppleSecret(f.cfg.AppleKey, f.cfg.AppleTeamID, f.cfg.AppleKeyID, f.cfg.ClientID, now, appleSecretLifetime)
	if err != nil {
		return "", err
	}
	f.apple = appleSecret{value: v, expires: now.Add(appleSecretLifetime)}
	return v, nil
}

func signAppleSecret(keyPEM, teamID, keyID, clientID string, now time.Time, life time.Duration) (string, error) {
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return "", wrap(ErrUnavailable, "oauth apple: Accounts_OAuth_Apple_secretKey holds no PEM key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", wrap(ErrUnavailable, "oauth apple: Accounts_OAuth_Apple_secretKey: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return "", wrap(ErrUnavailable, "oauth apple: Accounts_OAuth_Apple_secretKey is not an EC key")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: ek},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", keyID))
	if err != nil {
		return "", wrap(ErrUnavailable, "oauth apple: signer: %w", err)
	}
	claims := jwt.Claims{Issuer: teamID, Subject: clientID, Audience: jwt.Audience{"https://appleid.apple.com"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(life))}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", wrap(ErrUnavailable, "oauth apple: sign the client secret: %w", err)
	}
	return s, nil
}
