// Package saml signs users in through a SAML 2.0 identity provider
// configured with Rocket.Chat's SAML_Custom_Default_* settings, on
// crewjam/saml, as the service provider behind Rocket.Chat's routes:
//
//	GET  /_saml/metadata/<provider>                    SP metadata (Metadata)
//	GET  /_saml/authorize/<provider>/<credentialToken> redirect to the IdP (AuthorizeURL)
//	POST /_saml/validate/<provider>                    the IdP's response (Validate)
//	GET  /_saml/logout/<provider>/                     SLO answers and requests (HandleLogout)
//
// A response is accepted only if it answers a request this server made and
// has not answered yet (InResponseTo, kept in a pending.Store), carries
// valid signatures by the configured IdP certificate as
// signature_validation_type demands, is addressed to this SP (audience,
// destination, recipient), is within its validity window, and its
// assertion id was never seen before (the replay cache). The assertion's
// attributes are mapped with user_data_fieldmap to a provider.Identity and
// stored as the pending credential of the client's credentialToken, which
// the client then passes to login {saml: true, credentialToken}.
package saml
