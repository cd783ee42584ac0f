package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"liftoff/invites"
	"liftoff/store"
)

// The invitation links (invites.Store), on the invites table of
// migrations/0011_invites.sql. The insert guards uniqueness with ON
// CONFLICT DO NOTHING rather than failing a statement, which would abort
// the batch's transaction.

var _ invites.Store = (*DB)(nil)

func scanInvite(r pgx.Rows) (*invites.Invite, error) {
	var data []byte
	var uses int
	if err := r.Scan(&data, &uses); err != nil {
		return nil, err
	}
	inv := new(invites.Invite)
	if err := json.Unmarshal(data, inv); err != nil {
		return nil, fmt.Errorf("decode invite: %w", err)
	}
	inv.Uses = uses
	return inv, nil
}

// Invites implements invites.Store.
func (db *DB) Invites(ctx context.Context) ([]*invites.Invite, error) {
	out, err := collect(ctx, db.q, scanInvite, "SELECT data, uses FROM invites ORDER BY created_at, seq")
	if err != nil {
		return nil, fmt.Errorf("postgres: invites: %w", err)
	}
	return out, nil
}

// InsertInvite implements invites.Store.
func (db *DB) InsertInvite(ctx context.Context, inv *invites.Invite) error {
	data, err := encode("invite", inv)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execNew(ctx, "insert invite", inv.ID,
			"INSERT INTO invites (id, token, uses, max_uses, created_at, data) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
			text(inv.ID), text(inv.Token), inv.Uses, inv.MaxUses, inv.CreatedAt.Millis(), data)
	})
}

// InviteByToken implements invites.Store.
func (db *DB) InviteByToken(ctx context.Context, token string) (*invites.Invite, error) {
	inv, ok, err := one(ctx, db.q, scanInvite, "SELECT data, uses FROM invites WHERE token = $1", text(token))
	if err != nil {
		return nil, fmt.Errorf("postgres: invite by token: %w", err)
	}
	if !ok {
		return nil, notFound("invite", token)
	}
	return inv, nil
}

// DeleteInvite implements invites.Store.
func (db *DB) DeleteInvite(ctx context.Context, id string) error {
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execOne(ctx, "delete invite", "invite", id, "DELETE FROM invites WHERE id = $1", text(id))
	})
}

// UseInvite implements invites.Store.
func (db *DB) UseInvite(ctx context.Context, id string) error {
	return db.Update(ctx, func(st store.Tx) error {
		return st.(*tx).execOne(ctx, "use invite", "invite", id,
			"UPDATE invites SET uses = uses + 1 WHERE id = $1 AND (max_uses = 0 OR uses < max_uses)", text(id))
	})
}
