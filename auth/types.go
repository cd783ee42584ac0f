package auth

import "liftoff/model"

// Credentials is what a client presents to log in: either a user (username
// or e-mail) with a password, given in plain text or as the lowercase hex
// SHA-256 digest Rocket.Chat's clients send, or a resume token.
type Credentials struct {
	User     string // username or e-mail
	Password string // plain text
	Digest   string // hex sha-256 of the password
	Resume   string // a resume (login) token
	TOTP     string // second factor code, when two-factor auth is on
	// LDAP: check User and Password against the directory (Rocket.Chat's
	// {ldap: true, username, ldapPass}).
	LDAP bool
	// OAuth: a finished OAuth sign-in ({oauth: {credentialToken,
	// credentialSecret}}).
	OAuth *PendingLogin
	// SAML: a finished SAML sign-in ({saml: true, credentialToken}; no secret).
	SAML *PendingLogin
	// AccessToken: a mobile app's native sign-in ({serviceName,
	// accessToken}): the app signed in with the provider itself and
	// presents the provider's access token.
	AccessToken *AccessTokenLogin
}

// AccessTokenLogin is a provider's access token and the service it is for.
type AccessTokenLogin struct {
	Service string
	Token   string
}

// PendingLogin names a finished redirect sign-in kept for the client.
type PendingLogin struct {
	Token  string
	Secret string
}

// LoginResult is a successful login: the user and the resume token that
// authenticates later calls (REST X-Auth-Token, DDP login resume).
type LoginResult struct {
	User    *model.User
	Token   string
	Expires model.Time
	// Method is "password", "resume" or "ldap", as DDP's login result reports it.
	Method string
}
