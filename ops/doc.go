// Package ops holds the operational surface of the HTTP server: request
// ids, access logs, Prometheus metrics, panic recovery and the health
// endpoints /livez and /readyz.
package ops
