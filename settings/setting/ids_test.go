package setting_test

import (
	"bytes"
	"os"
	"testing"

	"liftoff/internal/idgen"
)

// TestIDsUpToDate fails when ids.go no longer matches settings.Defaults:
// run go generate ./settings/setting after changing the defaults.
func TestIDsUpToDate(t *testing.T) {
	want, err := idgen.SettingsSource()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("ids.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("ids.go is stale: run go generate ./settings/setting")
	}
}
