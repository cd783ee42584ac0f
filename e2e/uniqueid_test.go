package e2e

import (
	"regexp"
	"testing"

	"liftoff/internal/testserver"
)

// The installation's uniqueID is a public setting made once, on first
// start, and kept across restarts; statistics.uniqueId reports it.
func TestUniqueIDMadeOnceAndPublic(t *testing.T) {
	dir := t.TempDir()
	srv := testserver.Start(t, testserver.Options{DataDir: dir})
	pub := srv.Anon(t).Get("/api/v1/settings.public", "_id", "uniqueID").OK(t)
	id, _ := pub.Get("settings.0.value").(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("uniqueID is not a v4 UUID: %s", pub.Body)
	}
	if got := srv.Admin(t).Get("/api/v1/statistics").OK(t).Str("uniqueId"); got != id {
		t.Fatalf("statistics.uniqueId = %q, want %q", got, id)
	}
	srv.Stop()

	srv = testserver.Start(t, testserver.Options{DataDir: dir})
	if got, _ := srv.Anon(t).Get("/api/v1/settings.public", "_id", "uniqueID").OK(t).Get("settings.0.value").(string); got != id {
		t.Fatalf("after a restart uniqueID = %q, want %q", got, id)
	}
	other := testserver.Start(t)
	if got, _ := other.Anon(t).Get("/api/v1/settings.public", "_id", "uniqueID").OK(t).Get("settings.0.value").(string); got == id || got == "" {
		t.Fatalf("another installation has uniqueID %q (this one %q)", got, id)
	}
}
