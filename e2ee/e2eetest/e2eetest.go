// Package e2eetest is the contract suite every e2ee.KeyStore must pass
// (store/sqlite and store/postgres run it).
package e2eetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"liftoff/e2ee"
	"liftoff/model"
)

// Run checks a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) e2ee.KeyStore) {
	t.Run("KeyPairs", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		at := model.TimeOf(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
		if k, err := s.UserE2EKeys(ctx, "u1"); err != nil || k != nil {
			t.Fatalf("fresh store: UserE2EKeys = %+v, %v; want nil, nil", k, err)
		}
		if err := s.SetUserE2EKeys(ctx, "u1", e2ee.KeyPair{PublicKey: "pub1", PrivateKey: "priv1"}, at); err != nil {
			t.Fatalf("SetUserE2EKeys: %v", err)
		}
		if err := s.SetUserE2EKeys(ctx, "u2", e2ee.KeyPair{PublicKey: "pub2", PrivateKey: "priv2"}, at); err != nil {
			t.Fatalf("SetUserE2EKeys: %v", err)
		}
		// A second set replaces the pair (force).
		if err := s.SetUserE2EKeys(ctx, "u1", e2ee.KeyPair{PublicKey: "pub1b", PrivateKey: "priv1b"}, at); err != nil {
			t.Fatalf("SetUserE2EKeys again: %v", err)
		}
		k, err := s.UserE2EKeys(ctx, "u1")
		if err != nil || k == nil || *k != (e2ee.KeyPair{PublicKey: "pub1b", PrivateKey: "priv1b"}) {
			t.Fatalf("UserE2EKeys(u1) = %+v, %v", k, err)
		}
		pub, err := s.PublicE2EKeys(ctx, []string{"u1", "u2", "u3"})
		if err != nil || !reflect.DeepEqual(pub, map[string]string{"u1": "pub1b", "u2": "pub2"}) {
			t.Fatalf("PublicE2EKeys = %v, %v", pub, err)
		}
		if pub, err := s.PublicE2EKeys(ctx, nil); err != nil || len(pub) != 0 {
			t.Fatalf("PublicE2EKeys(none) = %v, %v", pub, err)
		}
		if err := s.DeleteUserE2EKeys(ctx, "u1"); err != nil {
			t.Fatalf("DeleteUserE2EKeys: %v", err)
		}
		if err := s.DeleteUserE2EKeys(ctx, "u1"); err != nil {
			t.Fatalf("DeleteUserE2EKeys twice: %v", err)
		}
		if k, err := s.UserE2EKeys(ctx, "u1"); err != nil || k != nil {
			t.Fatalf("after delete: UserE2EKeys = %+v, %v", k, err)
		}
		pub, err = s.PublicE2EKeys(ctx, []string{"u1", "u2"})
		if err != nil || !reflect.DeepEqual(pub, map[string]string{"u2": "pub2"}) {
			t.Fatalf("PublicE2EKeys after delete = %v, %v", pub, err)
		}
	})
}
