// Package links declares what the Matrix bridge (federation/matrix)
// remembers between restarts: links between Liftoff's ids and Matrix's
// (a room and its portal room, a message and its event, a reaction and
// its annotation event) and the homeserver transactions already applied.
// It has no dependencies, so the store backends implement it without
// importing the bridge.
package links

import (
	"context"
	"errors"
)

// ErrNotFound is returned for an unknown link.
var ErrNotFound = errors.New("matrix link not found")

// Kinds of links.
const (
	Room     = "room"     // Liftoff room id ↔ Matrix room id
	Event    = "event"    // Liftoff message id ↔ Matrix event id
	Reaction = "reaction" // "<message id>|<emoji>|<username>" ↔ Matrix annotation event id
	Txn      = "txn"      // applied homeserver transaction id ↔ the same id
	Member   = "member"   // "<room id>|<matrix user id>" ↔ "joined": the puppet joined the portal
)

// Store keeps links. A link is unique in its kind on both sides.
type Store interface {
	// MatrixLink returns the remote id linked to local, or ErrNotFound.
	MatrixLink(ctx context.Context, kind, local string) (string, error)
	// MatrixLocal returns the local id linked to remote, or ErrNotFound.
	MatrixLocal(ctx context.Context, kind, remote string) (string, error)
	// PutMatrixLink records a link; it reports false, changing nothing,
	// when local or remote is linked already in that kind.
	PutMatrixLink(ctx context.Context, kind, local, remote string) (bool, error)
	// MatrixLinksByPrefix returns the links of kind whose local id starts
	// with prefix, as local → remote.
	MatrixLinksByPrefix(ctx context.Context, kind, prefix string) (map[string]string, error)
	// DeleteMatrixLink removes the link of local, if any.
	DeleteMatrixLink(ctx context.Context, kind, local string) error
}
