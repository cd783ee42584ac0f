package bench

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestSmokeAgainstLiftoff builds the real server, starts it fresh on a free
// port with an empty data folder, and runs a few seconds of the chat
// scenario through the public API: the run must complete with every
// delivery received exactly once. It makes no timing assertions.
//
// It takes some 10 seconds, so -short (make unit) leaves it out; make test
// runs it.
func TestSmokeAgainstLiftoff(t *testing.T) {
	if testing.Short() {
		t.Skip("slow smoke test of the load tool against the real server; runs without -short (make test)")
	}
	bin := filepath.Join(t.TempDir(), "liftoff")
	if out, err := exec.Command("go", "build", "-o", bin, "liftoff/cmd/liftoff").CombinedOutput(); err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Cheap hashes keep user setup fast; nothing here measures logins.
	srv, err := Spawn(ctx, bin, "LIFTOFF_BCRYPT_COST=4", "LIFTOFF_LOG_LEVEL=warn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", srv.Log())
		}
		if err := srv.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	r, err := NewRunner(ctx, Target{URL: srv.URL, AdminUser: srv.AdminUser, AdminPass: srv.AdminPass, PID: srv.PID})
	if err != nil {
		t.Fatalf("runner: %v", err)
	}
	// Deliveries always travel over DDP streams; posts go both ways.
	for _, via := range []string{"rest", "ddp"} {
		t.Run("post via "+via, func(t *testing.T) {
			res := r.Run(ctx, RunConfig{Scenario: ScenarioChat, Users: 20, Rooms: 2, Senders: 10, Rate: 50, Duration: Duration(3 * time.Second), Via: via})
			if !res.Passed {
				t.Fatalf("chat run failed: %v", res.Failures)
			}
			d := res.Delivery
			if d == nil || d.Posted == 0 || d.Failed != 0 || d.Lost != 0 || d.Duplicates != 0 || d.Delivered != d.Expected || d.Expected != d.Posted*10 {
				t.Fatalf("delivery accounting: %+v", d)
			}
			if res.Server == nil || res.Server.RSSPeakMB == 0 {
				t.Fatalf("server sampling: %+v", res.Server)
			}
		})
	}
}
