package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"liftoff/invites"
	"liftoff/store"
)

// The invitation links (invites.Store), on the invites table of
// migrations/0016_invites.sql.

var _ invites.Store = (*DB)(nil)

func scanInvite(s scanner) (*invites.Invite, error) {
	var data []byte
	var uses int
	if err := s.Scan(&data, &uses); err != nil {
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
	out, err := collect(ctx, db.q, scanInvite, "SELECT data, uses FROM invites ORDER BY created_at, rowid")
	if err != nil {
		return nil, fmt.Errorf("sqlite: invites: %w", err)
	}
	return out, nil
}

// InsertInvite implements invites.Store.
func (db *DB) InsertInvite(ctx context.Context, inv *invites.Invite) error {
	data, err := encode("invite", inv)
	if err != nil {
		return err
	}
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execMany(ctx, "insert invite",
			"INSERT INTO invites (id, token, uses, max_uses, created_at, data) VALUES (?, ?, ?, ?, ?, ?)",
			inv.ID, inv.Token, inv.Uses, inv.MaxUses, inv.CreatedAt.Millis(), data)
	})
}

// InviteByToken implements invites.Store.
func (db *DB) InviteByToken(ctx context.Context, token string) (*invites.Invite, error) {
	inv, ok, err := one(ctx, db.q, scanInvite, "SELECT data, uses FROM invites WHERE token = ?", token)
	if err != nil {
		return nil, fmt.Errorf("sqlite: invite by token: %w", err)
	}
	if !ok {
		return nil, notFound("invite", token)
	}
	return inv, nil
}

// DeleteInvite implements invites.Store.
func (db *DB) DeleteInvite(ctx context.Context, id string) error {
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execOne(ctx, "delete invite", "invite", id, "DELETE FROM invites WHERE id = ?", id)
	})
}

// UseInvite implements invites.Store.
func (db *DB) UseInvite(ctx context.Context, id string) error {
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execOne(ctx, "use invite", "invite", id,
			"UPDATE invites SET uses = uses + 1 WHERE id = ? AND (max_uses = 0 OR uses < max_uses)", id)
	})
}
