// Package postgres implements store.Store on PostgreSQL (jackc/pgx), for
// Liftoff deployments of several instances sharing one database.
package postgres
