// Package storetest is the contract suite of store.Store: every backend
// runs Run against a fresh, empty database and must pass it. The suite uses
// only the store interface, so it says what any backend must do: conflicts
// and not-found errors, paging, sorting and totals, case-insensitive user
// lookups, the bulk subscription update of every new message, tombstones,
// full-text search, and the transaction rules (one call's failure rolls back
// only that call; events are published after commit, in commit order).
package storetest
