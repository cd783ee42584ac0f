// Package auth authenticates users: password login (bcrypt of the SHA-256
// hex digest, Rocket.Chat's scheme), resume tokens stored only hashed,
// personal access tokens, and rate limiting of failed logins per user and
// per address. Transports (REST, DDP) call it; it knows nothing of either.
package auth
