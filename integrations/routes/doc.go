// Package routes declares the integrations' REST endpoints
// (integrations.*), their DDP methods (addIncomingIntegration...) and the
// /hooks endpoints of incoming webhooks, on the transports' registrars.
package routes
