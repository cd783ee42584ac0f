// Package importer holds Liftoff's importers, one sub-package per source:
// rocketchat reads a mongodump of a Rocket.Chat database (mongodump reads
// the dump's files). Importers write through the store contract, so they
// fill a SQLite or a PostgreSQL database alike.
package importer
