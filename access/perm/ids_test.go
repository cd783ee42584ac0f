package perm_test

import (
	"bytes"
	"os"
	"testing"

	"liftoff/internal/idgen"
)

// TestIDsUpToDate fails when ids.go no longer matches access.DefaultPermissions:
// run go generate ./access/perm after changing the defaults.
func TestIDsUpToDate(t *testing.T) {
	want, err := idgen.PermissionsSource()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("ids.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("ids.go is stale: run go generate ./access/perm")
	}
}
