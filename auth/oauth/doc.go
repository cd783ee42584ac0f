// Package oauth signs users in through OAuth 2 and OpenID Connect
// providers configured with Rocket.Chat's settings: the custom services
// (Accounts_OAuth_Custom-<Name>-*), the built-in Google, GitHub, GitLab and
// Apple services (Accounts_OAuth_<Service>*), and presets for Microsoft
// Entra ID (Azure AD) and Keycloak that fill a custom service.
//
// A Flow runs one service's authorization-code flow on golang.org/x/oauth2
// and coreos/go-oidc:
//
//   - Begin (the route /_oauth/<service>/authorize) records a pending
//     authorization under a fresh random state, with an OIDC nonce and a
//     PKCE verifier, and redirects to the provider. The client's own Meteor
//     state (loginStyle, credentialToken, redirectUrl, isCordova) is kept
//     server-side; redirect URLs outside Site_Url are refused.
//   - Complete (the callback /_oauth/<service>) takes the state once
//     (forged, expired and replayed states are refused), exchanges the code
//     with the verifier, verifies the ID token (signature through the
//     provider's JWKS, which go-oidc re-reads when keys rotate, issuer,
//     audience, expiry, nonce), fetches the identity, maps it with the
//     service's field settings (dotted paths, {{/regex/::path}} templates),
//     and stores the result as a Meteor pending credential.
//   - WriteEndOfLogin renders the page that hands credentialToken and
//     credentialSecret to the window that started the login (popup,
//     redirect, or Cordova/mobile through the URL hash), after which the
//     client calls login with {oauth: {credentialToken, credentialSecret}}.
//
// A provider that cannot be reached fails the flow with ErrUnavailable,
// never with a hang: every request runs under the caller's context and the
// HTTP client's timeout.
package oauth
