package provider

import (
	"context"
	"fmt"
	"strings"
)

// Kind names a family of providers. It is the key under which a linked
// account keeps the provider's id for the user, as Rocket.Chat keeps it under
// services.<name>.id ("ldap", "saml", or the OAuth service's name).
type Kind string

// Provider kinds.
const (
	KindOAuth Kind = "oauth"
	KindLDAP  Kind = "ldap"
	KindSAML  Kind = "saml"
)

// Identity is what a provider yields for a user who signed in: who the
// provider says they are. Every field comes from the provider and has been
// checked by it (signatures, password bind, token verification); the mapping
// from the provider's attributes to these fields follows the provider's
// Rocket.Chat settings.
type Identity struct {
	// Service is the name the account link is kept under: the OAuth
	// service's name (lower case, as Rocket.Chat names services), "ldap"
	// or "saml".
	Service string `json:"service"`
	// Kind is the provider family.
	Kind Kind `json:"kind"`
	// ID is the provider's stable, unique id for the user (OIDC "sub", a
	// mapped OAuth id field, the LDAP unique identifier attribute, the SAML
	// immutable property). It never changes for the same person.
	ID string `json:"id"`
	// Username is the proposed username ("" when the provider gives none:
	// the wiring layer then derives one from the e-mail or name).
	Username string `json:"username,omitempty"`
	// Email is the user's e-mail address as the provider gives it ("" if none).
	Email string `json:"email,omitempty"`
	// EmailVerified reports whether the provider vouches for Email: an OIDC
	// email_verified claim, a verified GitHub address, or the provider's
	// setting that its addresses are trusted (LDAP and SAML directories,
	// Rocket.Chat's Accounts_Verify_Email_For_External_Accounts for OAuth).
	// Merging into an existing account by e-mail needs it.
	EmailVerified bool `json:"emailVerified"`
	// Name is the display name.
	Name string `json:"name,omitempty"`
	// AvatarURL is a picture of the user, when the provider has one.
	AvatarURL string `json:"avatarUrl,omitempty"`
	// Roles are Liftoff role names the provider grants (already mapped
	// through the provider's role map); nil when the provider does not
	// manage roles.
	Roles []string `json:"roles,omitempty"`
	// Groups are the provider's own group names for the user (OAuth groups
	// claim, LDAP groups, SAML group attribute), before any mapping.
	Groups []string `json:"groups,omitempty"`
	// Channels are channel names the user should be a member of (mapped
	// through the provider's channel map).
	Channels []string `json:"channels,omitempty"`
	// Attributes keeps the provider's raw data the wiring layer may store
	// with the link (Rocket.Chat's services.<name> object: tokens, NameID,
	// session index, DN ...). Never shown to other users.
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Validate reports an identity no provider should yield: without a service
// or an id, an account could not be linked to it.
func (id *Identity) Validate() error {
	if id == nil {
		return fmt.Errorf("provider: no identity")
	}
	if strings.TrimSpace(id.Service) == "" {
		return fmt.Errorf("provider: identity has no service name")
	}
	if strings.TrimSpace(id.ID) == "" {
		return fmt.Errorf("provider %s: identity has no user id", id.Service)
	}
	return nil
}

// PasswordProvider is a provider that checks a login name and password
// itself (LDAP). The login handler calls it for {ldap: true, username,
// ldapPass}; it returns the identity, or a refusal that must look the same
// for a wrong name and a wrong password.
type PasswordProvider interface {
	Authenticate(ctx context.Context, username, password string) (*Identity, error)
}

// Redirect providers (OAuth, SAML) have no common call: the browser leaves
// for the identity provider and comes back to the provider's route, which
// stores the Identity as a pending credential (auth/pending); the login
// handler then takes it with pending.Credentials.Retrieve and Consume.
