// Package pending keeps the short-lived state of sign-in handshakes: OAuth
// authorization requests waiting for their callback (state, nonce, PKCE
// verifier), SAML requests waiting for their response, assertion ids seen
// (the replay cache), and finished sign-ins waiting for the client's login
// call (Meteor's pending credentials: credentialToken and credentialSecret).
//
// Store is the contract: values with an expiry, an insert that refuses a
// live key (so a replayed id is caught), and an atomic take (so a value is
// used once). Memory implements it for one process; a deployment with
// several instances behind a proxy needs an implementation shared by all of
// them (a table in PostgreSQL, a NATS key-value bucket), because the
// callback of a flow may reach another instance than its start.
package pending
