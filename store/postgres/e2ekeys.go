package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"liftoff/e2ee"
	"liftoff/model"
	"liftoff/store"

	"github.com/jackc/pgx/v5"
)

// The users' end-to-end encryption key pairs (e2ee.KeyStore), on the
// user_e2e_keys table of migrations/0008_e2e_keys.sql, and the room keys'
// JSON columns of the subscriptions.

var _ e2ee.KeyStore = (*DB)(nil)

// UserE2EKeys implements e2ee.KeyStore.
func (db *DB) UserE2EKeys(ctx context.Context, userID string) (*e2ee.KeyPair, error) {
	k, ok, err := one(ctx, db.q, func(s pgx.Rows) (e2ee.KeyPair, error) {
		var k e2ee.KeyPair
		return k, s.Scan(&k.PublicKey, &k.PrivateKey)
	}, "SELECT public_key, private_key FROM user_e2e_keys WHERE user_id = $1", text(userID))
	if err != nil {
		return nil, fmt.Errorf("postgres: user e2e keys: %w", err)
	}
	if !ok {
		return nil, nil
	}
	return &k, nil
}

// PublicE2EKeys implements e2ee.KeyStore.
func (db *DB) PublicE2EKeys(ctx context.Context, userIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	type pair struct{ id, key string }
	rows, err := collect(ctx, db.q, func(s pgx.Rows) (pair, error) {
		var p pair
		return p, s.Scan(&p.id, &p.key)
	}, "SELECT user_id, public_key FROM user_e2e_keys WHERE user_id = ANY($1) AND public_key <> ''", texts(userIDs))
	if err != nil {
		return nil, fmt.Errorf("postgres: public e2e keys: %w", err)
	}
	for _, p := range rows {
		out[p.id] = p.key
	}
	return out, nil
}

// SetUserE2EKeys implements e2ee.KeyStore.
func (db *DB) SetUserE2EKeys(ctx context.Context, userID string, k e2ee.KeyPair, at model.Time) error {
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execMany(ctx, "set user e2e keys", `INSERT INTO user_e2e_keys (user_id, public_key, private_key, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET public_key = excluded.public_key,
			private_key = excluded.private_key, updated_at = excluded.updated_at`, text(userID), text(k.PublicKey), text(k.PrivateKey), millis(at))
	})
}

// DeleteUserE2EKeys implements e2ee.KeyStore.
func (db *DB) DeleteUserE2EKeys(ctx context.Context, userID string) error {
	return db.Update(ctx, func(t store.Tx) error {
		return t.(*tx).execMany(ctx, "delete user e2e keys", "DELETE FROM user_e2e_keys WHERE user_id = $1", text(userID))
	})
}

// oldRoomKeysJSON is the column value of a subscription's old room keys:
// "" for none.
func oldRoomKeysJSON(keys []model.OldRoomKey) string {
	if len(keys) == 0 {
		return ""
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return "" // plain strings and times always encode
	}
	return string(b)
}

// oldRoomKeysOf decodes oldRoomKeysJSON's value.
func oldRoomKeysOf(s string) ([]model.OldRoomKey, error) {
	if s == "" {
		return nil, nil
	}
	var keys []model.OldRoomKey
	if err := json.Unmarshal([]byte(s), &keys); err != nil {
		return nil, fmt.Errorf("old room keys: %w", err)
	}
	return keys, nil
}
