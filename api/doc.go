// Package api serves Rocket.Chat's REST API (/api/v1/..., /api/info) over
// the chat and auth services. Handlers are thin: they decode parameters,
// call a service (which checks permissions), and render the result in
// Rocket.Chat's envelopes. Domain errors become error envelopes in one
// place (writeError).
package api
