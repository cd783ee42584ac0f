package storetest

import (
	"errors"
	"testing"

	"liftoff/federation/matrix/links"
)

// RunMatrixLinks is the contract suite of links.Store (the Matrix
// bridge's links): lookups both ways, a link unique on both sides per
// kind, prefix listing and deletion.
func RunMatrixLinks(t *testing.T, s links.Store) {
	ctx := t.Context()
	put := func(kind, local, remote string, want bool) {
		t.Helper()
		ok, err := s.PutMatrixLink(ctx, kind, local, remote)
		if err != nil || ok != want {
			t.Fatalf("PutMatrixLink(%s, %s, %s) = %v, %v; want %v", kind, local, remote, ok, err, want)
		}
	}
	put(links.Event, "m1", "$e1", true)
	put(links.Event, "m1", "$e2", false) // local taken
	put(links.Event, "m2", "$e1", false) // remote taken
	put(links.Room, "m1", "$e1", true)   // another kind
	if v, err := s.MatrixLink(ctx, links.Event, "m1"); err != nil || v != "$e1" {
		t.Fatalf("MatrixLink = %q, %v", v, err)
	}
	if v, err := s.MatrixLocal(ctx, links.Event, "$e1"); err != nil || v != "m1" {
		t.Fatalf("MatrixLocal = %q, %v", v, err)
	}
	if _, err := s.MatrixLink(ctx, links.Event, "m2"); !errors.Is(err, links.ErrNotFound) {
		t.Fatalf("unknown link: %v", err)
	}
	if _, err := s.MatrixLocal(ctx, links.Txn, "$e1"); !errors.Is(err, links.ErrNotFound) {
		t.Fatalf("unknown remote: %v", err)
	}
	put(links.Reaction, "m1|:tada:|alice", "$r1", true)
	put(links.Reaction, "m1|:+1:|bob", "$r2", true)
	put(links.Reaction, "m10|:tada:|alice", "$r3", true)
	got, err := s.MatrixLinksByPrefix(ctx, links.Reaction, "m1|")
	if err != nil || len(got) != 2 || got["m1|:tada:|alice"] != "$r1" || got["m1|:+1:|bob"] != "$r2" {
		t.Fatalf("MatrixLinksByPrefix = %v, %v", got, err)
	}
	if err := s.DeleteMatrixLink(ctx, links.Reaction, "m1|:tada:|alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MatrixLocal(ctx, links.Reaction, "$r1"); !errors.Is(err, links.ErrNotFound) {
		t.Fatalf("deleted link: %v", err)
	}
	put(links.Reaction, "m1|:tada:|alice", "$r4", true) // free again
	if err := s.DeleteMatrixLink(ctx, links.Reaction, "absent"); err != nil {
		t.Fatalf("deleting an absent link: %v", err)
	}
}
