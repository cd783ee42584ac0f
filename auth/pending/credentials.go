package pending

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"liftoff/auth/provider"
	"liftoff/model"
)

// DefaultCredentialTTL is how long a finished sign-in waits for the client's
// login call. Meteor keeps pending credentials one minute; Rocket.Chat
// prolongs them by two minutes on each read so that a login that fails with
// totp-required can be retried with the code. Five minutes covers both.
const DefaultCredentialTTL = 5 * time.Minute

// ErrNoCredential is what the login call gets for an unknown, expired,
// consumed or wrongly paired credentialToken/credentialSecret. It carries
// Meteor's answer for it (Accounts.LoginCancelledError).
var ErrNoCredential = &model.Error{Type: "403", Reason: "No matching login attempt found"}

// Credential is a finished sign-in waiting for the client's login call:
// either the identity the provider yielded, or the error it failed with
// (Meteor hands such errors to the login call that asks for them).
type Credential struct {
	Identity *provider.Identity `json:"identity,omitempty"`
	// ErrorType and ErrorReason describe a failed sign-in.
	ErrorType   string `json:"errorType,omitempty"`
	ErrorReason string `json:"errorReason,omitempty"`
}

// Err returns the sign-in's error as a domain error, or nil.
func (c *Credential) Err() error {
	if c.ErrorType == "" && c.ErrorReason == "" {
		return nil
	}
	return &model.Error{Type: c.ErrorType, Reason: c.ErrorReason}
}

// Credentials is Meteor's pending-credential handshake over a Store. The
// browser that finished a sign-in gets a credentialSecret (OAuth) beside the
// credentialToken it chose; the client then logs in with both, over REST or
// DDP. A credential is found only with its exact token and secret, and is
// kept under a hash of the two, so that the store never holds a usable
// secret.
type Credentials struct {
	store Store
	ttl   time.Duration
}

// NewCredentials returns the handshake over store, keeping each credential
// for ttl (DefaultCredentialTTL when 0).
func NewCredentials(store Store, ttl time.Duration) *Credentials {
	if ttl <= 0 {
		ttl = DefaultCredentialTTL
	}
	return &Credentials{store: store, ttl: ttl}
}

// ValidToken reports whether a client-chosen credentialToken is acceptable:
// 16 to 256 characters from Meteor's Random.secret/Random.id alphabets
// (letters, digits, '-' and '_'), as Meteor's isSafe check. The lower bound
// keeps tokens unguessable: for SAML the token is the only secret.
func ValidToken(token string) bool {
	if len(token) < 16 || len(token) > 256 {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NewSecret returns a random credentialSecret (43 URL-safe characters, as
// Meteor's Random.secret()).
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func credentialKey(token, secret string) string {
	h := sha256.Sum256([]byte(token + "\x00" + secret))
	return "credential:" + hex.EncodeToString(h[:])
}

// Save stores a finished sign-in under token and returns the new
// credentialSecret the browser must pass on to the client.
func (c *Credentials) Save(ctx context.Context, token string, cred Credential) (secret string, err error) {
	secret = NewSecret()
	return secret, c.put(ctx, token, secret, cred)
}

// SaveWithoutSecret stores a finished sign-in under token alone: the SAML
// handshake (login with {saml: true, credentialToken}) and failed OAuth
// sign-ins, whose error Meteor hands to a login call without a secret.
func (c *Credentials) SaveWithoutSecret(ctx context.Context, token string, cred Credential) error {
	return c.put(ctx, token, "", cred)
}

func (c *Credentials) put(ctx context.Context, token, secret string, cred Credential) error {
	if !ValidToken(token) {
		return errors.New("pending: invalid credential token")
	}
	b, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("pending: encode credential: %w", err)
	}
	// Meteor upserts: a client that repeats a sign-in with the same token
	// replaces the earlier outcome.
	key := credentialKey(token, secret)
	if err := c.store.Delete(ctx, key); err != nil {
		return fmt.Errorf("pending: store credential: %w", err)
	}
	if err := c.store.Put(ctx, key, b, c.ttl); err != nil {
		return fmt.Errorf("pending: store credential: %w", err)
	}
	return nil
}

// Retrieve returns the credential stored under token and secret without
// consuming it, so that a login refused for want of a second factor can be
// retried with the code within the credential's lifetime (Rocket.Chat's
// behaviour). A failed sign-in's credential is consumed at once: its error
// is told once. Unknown pairs give ErrNoCredential.
func (c *Credentials) Retrieve(ctx context.Context, token, secret string) (*Credential, error) {
	if !ValidToken(token) {
		return nil, ErrNoCredential
	}
	key := credentialKey(token, secret)
	b, err := c.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoCredential
	}
	if err != nil {
		return nil, fmt.Errorf("pending: read credential: %w", err)
	}
	var cred Credential
	if err := json.Unmarshal(b, &cred); err != nil {
		return nil, fmt.Errorf("pending: decode credential: %w", err)
	}
	if cred.Identity == nil {
		if err := c.store.Delete(ctx, key); err != nil {
			return nil, fmt.Errorf("pending: drop credential: %w", err)
		}
	}
	return &cred, nil
}

// Consume removes the credential once the login it was retrieved for has
// passed every check (second factor included), just before the session is
// issued. Of two concurrent logins with the same credential only one
// consumes it; the other gets ErrNoCredential and must be refused.
func (c *Credentials) Consume(ctx context.Context, token, secret string) error {
	_, err := c.store.Take(ctx, credentialKey(token, secret))
	if errors.Is(err, ErrNotFound) {
		return ErrNoCredential
	}
	if err != nil {
		return fmt.Errorf("pending: consume credential: %w", err)
	}
	return nil
}
