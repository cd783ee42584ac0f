// Package api serves Rocket.Chat's REST API (/api/v1/..., /api/info) over
// the chat and auth services, which it reaches through the interfaces it
// declares (services.go). Endpoints are declared on a Router with their
// guards (Public, Permission, rate limits) and rendering options (Method,
// Status); handlers are thin: they read parameters (Request, or the sticky
// Params), call a service (which checks permissions), and return a payload
// that the router renders in Rocket.Chat's envelopes, or an error whose
// kind decides the status in one place (statusOfKind). A capability
// package declares its own endpoints through Server.Router the same way.
package api
